// Text that did not come from pgloom's own code, made safe where it is shown: a log line (logfmt values that cannot
// end the line or start a key), a terminal (SHOW output, trace files: no control characters) and JSON (/status).
// Escapes are \" \\ \n \r \t and backslash-u with four hex digits, the subset logfmt, Go and JSON readers agree on.
package io.pgloom.util;

public final class SafeText {
    private SafeText() {}

    /** Longest value written into a log line; a longer one keeps its head and says its length. */
    public static final int MAX_LOG_VALUE = 1024;

    /** A log argument that is pgloom's own text and may be long (a flight-recorder dump): escaped, never cut. */
    public record Whole(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /**
     * A log message: each {} of the template (pgloom's own literal text) is replaced by the next argument as a logfmt
     * value: quoted when it holds a space, a quote, '=', a backslash or a control character, escaped within, and cut
     * to MAX_LOG_VALUE characters ("aaa…(61440 chars)"). A {} inside a quoted part of the template ("TRACE {}") gets
     * the escaped text without quotes of its own. Control characters in the template itself are escaped too, so the
     * result is always one line.
     */
    public static String logMessage(String template, Object... args) {
        StringBuilder out = new StringBuilder(template.length() + 16 * args.length);
        boolean quoted = false;
        int next = 0;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '{' && i + 1 < template.length() && template.charAt(i + 1) == '}' && next < args.length) {
                Object arg = args[next++];
                String v = arg instanceof Whole w ? w.text() : capped(String.valueOf(arg));
                if (quoted) escape(out, v, true);
                else logValue(out, v, false);
                i++;
                continue;
            }
            if (c == '"') quoted = !quoted;
            if (escaped(c, i, template)) escapeChar(out, c);
            else out.append(c);
        }
        return out.toString();
    }

    /** One logfmt value, capped, quoted when needed. */
    public static String logValue(String v) {
        StringBuilder out = new StringBuilder(v.length() + 2);
        logValue(out, v, true);
        return out.toString();
    }

    private static void logValue(StringBuilder out, String v, boolean cap) {
        String s = cap ? capped(v) : v;
        if (!needsQuotes(s)) {
            out.append(s);
            return;
        }
        out.append('"');
        escape(out, s, true);
        out.append('"');
    }

    /** A value as a trace file shows text: always in quotes, escaped; the caller caps it. */
    public static void quoted(StringBuilder out, String s) {
        out.append('"');
        escape(out, s, true);
        out.append('"');
    }

    /**
     * Text for a terminal (SHOW columns, a line of pgloom's own text with a value in it): control characters and
     * backslashes escaped, nothing quoted, so it prints on one line and reads back unambiguously.
     */
    public static String terminal(String s) {
        if (clean(s)) return s;
        StringBuilder out = new StringBuilder(s.length() + 8);
        escape(out, s, false);
        return out.toString();
    }

    /** A JSON string literal, quotes included; control characters (C0, DEL, C1, line separators) as \\u escapes. */
    public static String json(String s) {
        if (s == null) return "null";
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (escaped(c, i, s)) unicode(out, c);
            else out.append(c);
        }
        return out.append('"').toString();
    }

    /** The value cut to MAX_LOG_VALUE characters (never inside a surrogate pair), with its full length. */
    public static String capped(String s) {
        if (s.length() <= MAX_LOG_VALUE) return s;
        int end = MAX_LOG_VALUE;
        if (Character.isHighSurrogate(s.charAt(end - 1))) end--;
        return s.substring(0, end) + "…(" + s.length() + " chars)";
    }

    private static boolean needsQuotes(String s) {
        if (s.isEmpty()) return true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' '
                    || c == '"'
                    || c == '='
                    || c == '\\'
                    || Character.isWhitespace(c)
                    || Character.isSpaceChar(c)
                    || escaped(c, i, s)) {
                return true;
            }
        }
        return false;
    }

    private static boolean clean(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || escaped(c, i, s)) return false;
        }
        return true;
    }

    private static void escape(StringBuilder out, String s, boolean quote) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || quote && c == '"') out.append('\\').append(c);
            else if (escaped(c, i, s)) escapeChar(out, c);
            else out.append(c);
        }
    }

    private static void escapeChar(StringBuilder out, char c) {
        switch (c) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> unicode(out, c);
        }
    }

    private static void unicode(StringBuilder out, char c) {
        out.append("\\u");
        String hex = Integer.toHexString(c);
        for (int k = hex.length(); k < 4; k++) out.append('0');
        out.append(hex);
    }

    /**
     * Characters never written as they are: C0 controls, DEL, C1 controls (a terminal reads 0x9b as CSI), the
     * Unicode line and paragraph separators, the bidirectional overrides (text that reads differently than it is)
     * and a surrogate without its pair.
     */
    private static boolean escaped(char c, int i, String s) {
        if (c < 0x20 || c >= 0x7f && c <= 0x9f) return true;
        if (c < 0x200e) return false;
        if (c == 0x200e || c == 0x200f || c >= 0x2028 && c <= 0x202e || c >= 0x2066 && c <= 0x2069) return true;
        if (Character.isHighSurrogate(c)) return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        if (Character.isLowSurrogate(c)) return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        return false;
    }
}
