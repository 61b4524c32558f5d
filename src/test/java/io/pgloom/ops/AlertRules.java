// Reads conf/alerts.yml's rules (alert name and PromQL expression) and the metric names each expression uses, so
// tests can hold the rules against a live /metrics page and against promtool's rule unit tests.
package io.pgloom.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class AlertRules {
    static final Path RULES = Path.of("conf/alerts.yml");
    static final Path RULE_TESTS = Path.of("conf/alerts_test.yml");

    /** A metric pgloom exports: its own, the JVM's and the process's (simpleclient_hotspot). */
    private static final Pattern METRIC = Pattern.compile("\\b(?:pgloom|process|jvm)_[a-zA-Z0-9_]*[a-zA-Z0-9]\\b");

    private static final Pattern QUOTED = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern KEY = Pattern.compile("^(\\s*)(?:- )?(alert|expr):\\s*(.*)$");

    private AlertRules() {}

    /**
     * Alert name → expression, in file order. An expression is a plain or quoted scalar on the key's line, or a
     * block scalar ({@code |} / {@code >}) whose lines are indented deeper than the key.
     */
    static Map<String, String> expressions(Path rules) throws IOException {
        List<String> lines = Files.readAllLines(rules);
        Map<String, String> out = new LinkedHashMap<>();
        String alert = null;
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = KEY.matcher(lines.get(i));
            if (!m.matches()) continue;
            String value = m.group(3).strip();
            if (m.group(2).equals("alert")) {
                alert = unquote(value);
                continue;
            }
            if (alert == null) throw new IllegalStateException(rules + " line " + (i + 1) + ": expr before any alert");
            if (value.startsWith("|") || value.startsWith(">")) {
                int keyIndent = m.group(1).length();
                StringBuilder block = new StringBuilder();
                while (i + 1 < lines.size()
                        && (lines.get(i + 1).isBlank()
                                || lines.get(i + 1).length()
                                                - lines.get(i + 1)
                                                        .stripLeading()
                                                        .length()
                                        > keyIndent)) {
                    block.append(lines.get(++i).strip()).append('\n');
                }
                value = block.toString().strip();
            } else {
                value = unquote(value);
            }
            if (out.put(alert, value) != null)
                throw new IllegalStateException(rules + ": two expressions for " + alert);
            alert = null;
        }
        return out;
    }

    /** The pgloom_, process_ and jvm_ metric names an expression reads (label values in quotes are not names). */
    static Set<String> metricNames(String expr) {
        Set<String> out = new TreeSet<>();
        Matcher m = METRIC.matcher(QUOTED.matcher(expr).replaceAll("\"\""));
        while (m.find()) out.add(m.group());
        return out;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
