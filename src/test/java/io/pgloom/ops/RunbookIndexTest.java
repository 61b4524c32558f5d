// runbook.md's alert index and its verified-against stamp: every rule of conf/alerts.yml is listed once with the
// severity its labels give and a link to the entry its runbook_url names, and the stamp names the version this
// build makes (RunbookIT then runs the stamp's `--version` block against the jar itself).
package io.pgloom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RunbookIndexTest {
    private static final Path RUNBOOK = Path.of("runbook.md");
    private static final Pattern INDEX_ROW = Pattern.compile(
            "^\\| `(Pgloom\\w+)` \\| (critical, page|warning, ticket|info, log) \\| .+ \\| \\[[^]]+]\\(#([^)]+)\\) \\|$",
            Pattern.MULTILINE);
    private static final Pattern RULE = Pattern.compile(
            "- alert: (\\w+)\\n.*?severity: (\\w+)\\n.*?runbook_url: \"runbook\\.md#([^\"]+)\"", Pattern.DOTALL);

    @Test
    void everyAlertIsIndexedWithItsSeverityAndEntry() throws Exception {
        Map<String, String> rules = new LinkedHashMap<>();
        Matcher r = RULE.matcher(Files.readString(AlertRules.RULES));
        while (r.find()) rules.put(r.group(1), r.group(2) + " " + r.group(3));
        assertEquals(AlertRules.expressions(AlertRules.RULES).keySet(), rules.keySet(), "every rule was read");

        Map<String, String> index = new LinkedHashMap<>();
        Matcher m = INDEX_ROW.matcher(Files.readString(RUNBOOK));
        while (m.find()) {
            String severity = m.group(2).substring(0, m.group(2).indexOf(','));
            assertTrue(index.put(m.group(1), severity + " " + m.group(3)) == null, "listed once: " + m.group(1));
        }
        assertEquals(
                rules.keySet().stream().sorted().toList(),
                index.keySet().stream().sorted().toList());
        for (var e : rules.entrySet()) assertEquals(e.getValue(), index.get(e.getKey()), e.getKey());
    }

    @Test
    void everyCommandBlockShowsItsSampleOutput() throws Exception {
        for (RunbookBlocks.Block b : RunbookBlocks.read(RUNBOOK)) {
            assertTrue(
                    b.sampleFirstLine() != null,
                    "runbook.md line " + b.line() + ": a ```text sample follows the block (RunbookIT checks it)");
        }
        assertTrue(RunbookBlocks.matchesSample("refused logins: 3\n", "refused logins: …"));
        assertTrue(RunbookBlocks.matchesSample("pgloom 127.0.0.1:6432 http x", "pgloom 127.0.0.1:… http …"));
        assertFalse(RunbookBlocks.matchesSample("", "refused logins: …"), "an empty output never passes");
        assertFalse(RunbookBlocks.matchesSample("refused: 3", "refused logins: …"));
    }

    @Test
    void theStampNamesTheVersionThisBuildMakes() throws Exception {
        Matcher stamp = Pattern.compile("^Verified against pgloom (\\S+) on (\\d{4}-\\d{2}-\\d{2}):", Pattern.MULTILINE)
                .matcher(Files.readString(RUNBOOK));
        assertTrue(stamp.find(), "runbook.md says which version it was verified against");
        Matcher pom = Pattern.compile("<artifactId>pgloom</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertTrue(pom.find());
        assertEquals(pom.group(1), stamp.group(1), "verify the runbook against this version and update the stamp");
        assertTrue(
                Files.readString(RUNBOOK).contains("```text\npgloom " + pom.group(1) + "\n```"),
                "the --version sample RunbookIT checks against the jar names the same version");
    }
}
