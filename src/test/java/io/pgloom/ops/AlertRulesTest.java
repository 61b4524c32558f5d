// conf/alerts.yml: every rule points at a runbook entry that exists and has a promtool unit test in
// conf/alerts_test.yml; promtool accepts the file and passes those tests (each alert fires for a sick instance and
// stays quiet for a healthy one) when it is installed (Debian's prometheus package has it); else that part skips.
package io.pgloom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class AlertRulesTest {
    @Test
    void everyAlertNamesAnExistingRunbookEntry() throws Exception {
        String yml = Files.readString(AlertRules.RULES);
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
    void everyAlertHasAnExpressionNamingMetrics() throws Exception {
        Map<String, String> rules = AlertRules.expressions(AlertRules.RULES);
        long alerts = Files.readAllLines(AlertRules.RULES).stream()
                .filter(l -> l.strip().startsWith("- alert:"))
                .count();
        assertEquals(alerts, rules.size(), "one expression per alert: " + rules.keySet());
        assertEquals(
                List.of("pgloom_session_state_violations_total"),
                List.copyOf(AlertRules.metricNames(rules.get("PgloomSessionStateInTransactionMode"))));
        assertEquals(
                List.of("jvm_memory_bytes_max", "jvm_memory_bytes_used", "pgloom_build_info"),
                List.copyOf(AlertRules.metricNames(rules.get("PgloomHeapHigh"))));
        assertEquals(
                List.of(),
                List.copyOf(AlertRules.metricNames("up{job=\"pgloom_x\"} == 0")),
                "label values are no names");
    }

    @Test
    void everyAlertHasAPromtoolUnitTest() throws Exception {
        String tests = Files.readString(AlertRules.RULE_TESTS);
        for (String alert : AlertRules.expressions(AlertRules.RULES).keySet()) {
            assertTrue(
                    Pattern.compile("alertname: " + alert + "\\s*\\n\\s*exp_alerts:\\s*\\n\\s*- exp_labels:")
                            .matcher(tests)
                            .find(),
                    AlertRules.RULE_TESTS + " has a case where " + alert + " fires");
        }
    }

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        assertEquals("", promtool("check", "rules", AlertRules.RULES.toString()));
    }

    @Test
    void promtoolUnitTestsPass() throws Exception {
        assertEquals("", promtool("test", "rules", AlertRules.RULE_TESTS.toString()));
    }

    /** Runs promtool; "" when it exits 0, else its output. Skips the test when promtool is not installed. */
    private static String promtool(String... args) throws Exception {
        String path = System.getenv("PATH");
        boolean present = path != null
                && Arrays.stream(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "promtool")));
        Assumptions.assumeTrue(
                present,
                "promtool is not installed (apt-get install prometheus, or "
                        + "scripts/install-client-libs.sh); the alert rules are not checked by it");
        String[] cmd = new String[args.length + 1];
        cmd[0] = "promtool";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool finished");
        return p.exitValue() == 0 ? "" : out;
    }
}
