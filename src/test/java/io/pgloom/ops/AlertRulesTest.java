// conf/alerts.yml: every rule points at a runbook entry that exists, and promtool accepts the file when it is
// installed (Debian's prometheus package has it); without promtool that part is skipped with the reason.
package io.pgloom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class AlertRulesTest {
    private static final Path RULES = Path.of("conf/alerts.yml");

    @Test
    void everyAlertNamesAnExistingRunbookEntry() throws Exception {
        String yml = Files.readString(RULES);
        List<String> anchors = RunbookBlocks.anchors(Path.of("runbook.md"));
        Matcher m = Pattern.compile("runbook_url: \"runbook\\.md#([^\"]+)\"").matcher(yml);
        int n = 0;
        while (m.find()) {
            n++;
            assertTrue(anchors.contains(m.group(1)), "runbook.md has a heading for #" + m.group(1));
        }
        long alerts = yml.lines().filter(l -> l.strip().startsWith("- alert:")).count();
        assertEquals(alerts, n, "every alert has a runbook_url");
        assertFalse(alerts == 0);
    }

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        boolean present = System.getenv("PATH") != null && java.util.Arrays.stream(System.getenv("PATH").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "promtool")));
        Assumptions.assumeTrue(present, "promtool is not installed (apt-get install prometheus); rules not validated by it");
        Process p = new ProcessBuilder("promtool", "check", "rules", RULES.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }
}
