// runbook.md (packed into the jar) as a plain HTML page for the live page's links: headings get the same anchors
// GitHub gives them, command blocks and tables stay preformatted, everything else is escaped text.
package io.pgloom.admin;

import java.util.Locale;

final class RunbookHtml {
    private RunbookHtml() {}

    /** The heading's anchor as GitHub spells it: lower case, punctuation dropped, spaces as dashes. */
    static String anchor(String heading) {
        String title = heading.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT);
        return title.replaceAll("[^a-z0-9 \\-_]", "").replace(' ', '-');
    }

    static String render(String markdown) {
        StringBuilder h = new StringBuilder(markdown.length() * 5 / 4 + 512);
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>pgloom runbook</title>")
                .append("<link rel=\"icon\" href=\"/live/icon.svg\" type=\"image/svg+xml\">")
                .append("<link rel=\"stylesheet\" href=\"/live/live.css\"></head><body class=\"runbook\">")
                .append("<p><a href=\"/\">← live page</a></p>");
        boolean pre = false, table = false, para = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.startsWith("```")) {
                if (para) h.append("</p>");
                para = false;
                h.append(pre ? "</pre>" : "<pre>");
                pre = !pre;
                continue;
            }
            if (pre) {
                h.append(escape(line)).append('\n');
                continue;
            }
            boolean row = line.startsWith("|");
            if (row != table) h.append(row ? "<pre class=\"table\">" : "</pre>");
            table = row;
            if (row) {
                h.append(escape(line)).append('\n');
            } else if (line.startsWith("#")) {
                if (para) h.append("</p>");
                para = false;
                int level = Math.min(6, line.indexOf(' ') > 0 ? line.indexOf(' ') : 1);
                h.append("<h")
                        .append(level)
                        .append(" id=\"")
                        .append(anchor(line))
                        .append("\">")
                        .append(escape(line.replaceFirst("^#+\\s*", "")))
                        .append("</h")
                        .append(level)
                        .append('>');
            } else if (line.isBlank()) {
                if (para) h.append("</p>");
                para = false;
            } else {
                h.append(para ? "<br>" : "<p>").append(escape(line));
                para = true;
            }
        }
        if (pre || table) h.append("</pre>");
        if (para) h.append("</p>");
        return h.append("</body></html>\n").toString();
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
