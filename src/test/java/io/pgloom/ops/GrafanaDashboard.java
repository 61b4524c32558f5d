// Reads deploy/grafana/pgloom.json: its panels, every PromQL expression (panel targets and template variable
// queries), and the metric names an expression uses.
package io.pgloom.ops;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class GrafanaDashboard {
    static final Path FILE = Path.of("deploy/grafana/pgloom.json");
    /** PromQL words that are neither functions (followed by "(") nor metrics. */
    private static final Set<String> KEYWORDS = Set.of(
            "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset");

    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    record Expr(String panel, String expr) {}

    private GrafanaDashboard() {}

    static JsonObject read() throws IOException {
        return new JsonObject(Files.readString(FILE));
    }

    /** Every panel, rows and panels nested in collapsed rows included. */
    static List<JsonObject> panels(JsonObject dashboard) {
        List<JsonObject> out = new ArrayList<>();
        for (Object o : dashboard.getJsonArray("panels")) {
            JsonObject p = (JsonObject) o;
            out.add(p);
            for (Object n : p.getJsonArray("panels", new JsonArray())) out.add((JsonObject) n);
        }
        return out;
    }

    static List<Expr> expressions(JsonObject dashboard) {
        List<Expr> out = new ArrayList<>();
        for (JsonObject p : panels(dashboard)) {
            for (Object t : p.getJsonArray("targets", new JsonArray())) {
                out.add(new Expr(p.getString("title"), ((JsonObject) t).getString("expr")));
            }
        }
        for (Object v : dashboard.getJsonObject("templating").getJsonArray("list")) {
            JsonObject var = (JsonObject) v;
            if (!"query".equals(var.getString("type"))) continue;
            String q = var.getValue("query") instanceof JsonObject j ? j.getString("query") : var.getString("query");
            Matcher m = Pattern.compile("label_values\\((.*),\\s*\\w+\\)").matcher(q);
            out.add(new Expr("variable " + var.getString("name"), m.matches() ? m.group(1) : q));
        }
        return out;
    }

    /**
     * The metric names a PromQL expression selects: identifiers left once strings, label matchers, grouping
     * clauses, range and offset durations are removed, that are neither keywords nor function calls.
     */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\boffset\\s+\\S+", " ")
                .replaceAll("\\$\\w+", " ");
        Set<String> out = new TreeSet<>();
        Matcher m = IDENT.matcher(s);
        while (m.find()) {
            if (m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1))) continue; // 1e3, 5m
            String word = m.group();
            int after = m.end();
            while (after < s.length() && s.charAt(after) == ' ') after++;
            boolean call = after < s.length() && s.charAt(after) == '(';
            if (!call && !KEYWORDS.contains(word)) out.add(word);
        }
        return out;
    }
}
