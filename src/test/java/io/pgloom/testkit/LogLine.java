// A strict reader of one text-log line (date, time, level, then logfmt key=value pairs): what a log pipeline does
// with pgloom's output. Tests use it to check that a client's text stays inside its own value.
package io.pgloom.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public record LogLine(String level, List<String> keys, List<String> values) {
    private static final Pattern PREFIX = Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} (\\w+) ");

    /** The value of the first {@code key}, or null. */
    public String get(String key) {
        int i = keys.indexOf(key);
        return i < 0 ? null : values.get(i);
    }

    /**
     * Parses one entry as the text log writes it (its line end included). Throws on anything a strict logfmt reader
     * would reject: a second line, a control character, an unterminated quote, an unknown escape, a bare value with
     * a quote or '=' in it, a key that is not a plain word.
     */
    public static LogLine parse(String entry) {
        String line = entry.endsWith("\n") ? entry.substring(0, entry.length() - 1) : entry;
        if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
        Matcher m = PREFIX.matcher(line);
        if (!m.lookingAt()) throw new IllegalArgumentException("no date and level: " + entry);
        return fields(m.group(1), line, m.end());
    }

    /** A message alone (the JSON format's msg), read as logfmt the same strict way. */
    public static LogLine message(String msg) {
        return fields(null, msg, 0);
    }

    private static LogLine fields(String level, String line, int from) {
        String entry = line;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x20 || c >= 0x7f && c <= 0x9f || c == 0x2028 || c == 0x2029) {
                throw new IllegalArgumentException("control character " + (int) c + " at " + i + ": " + entry);
            }
        }
        List<String> keys = new ArrayList<>();
        List<String> values = new ArrayList<>();
        int i = from;
        while (i < line.length()) {
            int eq = line.indexOf('=', i);
            if (eq <= i) throw new IllegalArgumentException("no key at " + i + ": " + entry);
            String key = line.substring(i, eq);
            if (!key.matches("[A-Za-z0-9_.$\\[\\]-]+")) {
                throw new IllegalArgumentException("bad key '" + key + "': " + entry);
            }
            i = eq + 1;
            StringBuilder v = new StringBuilder();
            if (i < line.length() && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= line.length()) throw new IllegalArgumentException("unterminated quote: " + entry);
                    char c = line.charAt(i++);
                    if (c == '"') break;
                    if (c != '\\') {
                        v.append(c);
                        continue;
                    }
                    char e = line.charAt(i++);
                    switch (e) {
                        case '"', '\\' -> v.append(e);
                        case 'n' -> v.append('\n');
                        case 'r' -> v.append('\r');
                        case 't' -> v.append('\t');
                        case 'u' -> {
                            v.append((char) Integer.parseInt(line.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> throw new IllegalArgumentException("unknown escape \\" + e + ": " + entry);
                    }
                }
            } else {
                int end = line.indexOf(' ', i);
                if (end < 0) end = line.length();
                String bare = line.substring(i, end);
                if (bare.indexOf('"') >= 0 || bare.indexOf('=') >= 0 || bare.indexOf('\\') >= 0) {
                    throw new IllegalArgumentException("bare value with a quote, '=' or '\\': " + bare + ": " + entry);
                }
                v.append(bare);
                i = end;
            }
            keys.add(key);
            values.add(v.toString());
            if (i < line.length()) {
                if (line.charAt(i) != ' ') throw new IllegalArgumentException("no space at " + i + ": " + entry);
                i++;
            }
        }
        return new LogLine(level, List.copyOf(keys), List.copyOf(values));
    }
}
