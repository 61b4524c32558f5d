// The escaping rules of SafeText from literal strings: the forged user name stays in its value, quoted
// parts of a template get no second quotes, long values are cut with their length, terminals and JSON get no
// control characters.
package io.pgloom.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SafeTextTest {
    private static final String FORGED =
            "evil\" event=admin_command command=\"SHUTDOWN\nFAKE-LINE event=auth_ok user=root";

    @Test
    void aForgedUserNameStaysInItsValue() {
        assertEquals(
                "event=client_login user=\"evil\\\" event=admin_command command=\\\"SHUTDOWN\\nFAKE-LINE event=auth_ok"
                        + " user=root\" database=app",
                SafeText.logMessage("event=client_login user={} database={}", FORGED, "app"));
    }

    @Test
    void plainValuesStayBareAndOthersAreQuoted() {
        assertEquals(
                "a=app b=\"\" c=\"x y\" d=\"k=v\" e=\"back\\\\slash\" f=\"tab\\there\" g=12 h=null i=\"a\\u001b[31m\""
                        + " j=\"nbsp\u00a0\" k=\"\\u0085\\u2028\\u202e\" l=日本",
                SafeText.logMessage(
                        "a={} b={} c={} d={} e={} f={} g={} h={} i={} j={} k={} l={}",
                        "app",
                        "",
                        "x y",
                        "k=v",
                        "back\\slash",
                        "tab\there",
                        12,
                        null,
                        "a\u001b[31m",
                        "nbsp\u00a0",
                        "\u0085\u2028\u202e",
                        "日本"));
    }

    @Test
    void aPlaceholderInsideQuotesOfTheTemplateIsEscapedWithoutQuotesOfItsOwn() {
        assertEquals(
                "command=\"TRACE a\\\"b\\nc\" hint=\"see runbook\"",
                SafeText.logMessage("command=\"TRACE {}\" hint=\"see runbook\"", "a\"b\nc"));
        assertEquals(
                "application_name=\"x\\\" y=z\" next=1",
                SafeText.logMessage("application_name=\"{}\" next={}", "x\" y=z", 1));
    }

    @Test
    void theTemplateItselfCannotBreakTheLineAndMissingArgumentsLeaveThePlaceholder() {
        assertEquals("a\\nb={}", SafeText.logMessage("a\nb={}"));
    }

    @Test
    void longValuesAreCutWithTheirLength() {
        String v = "a".repeat(61_440);
        assertEquals(
                "user=\"" + "a".repeat(SafeText.MAX_LOG_VALUE) + "…(61440 chars)\"", SafeText.logMessage("user={}", v));
        String pairs = "x" + "😀".repeat(SafeText.MAX_LOG_VALUE); // the cut falls between the halves of a pair
        assertEquals("x" + "😀".repeat(SafeText.MAX_LOG_VALUE / 2 - 1) + "…(2049 chars)", SafeText.capped(pairs));
        String dump = "-0.412s > Q 34, ".repeat(100);
        assertEquals(
                "messages=\"" + dump + "\"",
                SafeText.logMessage("messages={}", new SafeText.Whole(dump)),
                "pgloom's own long text, marked Whole, is escaped but not cut");
        assertEquals(
                "x=\\ud800", SafeText.logMessage("x={}", "\ud800").replace("\"", ""), "a lone surrogate is escaped");
    }

    @Test
    void terminalTextHasNoControlCharacters() {
        assertEquals("app \\u001b]0;owned\\u0007 \\\\n\\r\\n", SafeText.terminal("app \u001b]0;owned\u0007 \\n\r\n"));
        assertEquals("psql", SafeText.terminal("psql"));
    }

    @Test
    void jsonStringsEscapeEveryControlCharacter() {
        assertEquals("\"a\\\"b\\\\c\\u000a\\u007f\\u009b\\u2028é\"", SafeText.json("a\"b\\c\n\u007f\u009b\u2028é"));
        assertEquals("null", SafeText.json(null));
    }
}
