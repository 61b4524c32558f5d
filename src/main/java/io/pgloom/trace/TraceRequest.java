// The arguments of TRACE ON, as typed in the admin console or POSTed to /trace:
// [client id | user=U | database=D | address=CIDR] [FOR duration] [LEVEL headers|summary|full], in any order.
package io.pgloom.trace;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** @param duration null: the configured default_duration */
public record TraceRequest(TraceScope scope, Duration duration, TraceLevel level) {
    private static final Pattern DURATION =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)?");

    /** Parses the words after ON; throws IllegalArgumentException with a message for the operator. */
    public static TraceRequest parse(java.util.List<String> words) {
        TraceScope scope = null;
        Duration duration = null;
        TraceLevel level = TraceLevel.SUMMARY;
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            String upper = w.toUpperCase(Locale.ROOT);
            if (upper.equals("FOR") || upper.equals("LEVEL")) {
                if (i + 1 >= words.size()) throw new IllegalArgumentException(upper + " needs a value");
                String v = words.get(++i);
                // "FOR 5 min": a unit may follow as its own word
                if (upper.equals("FOR")
                        && i + 1 < words.size()
                        && words.get(i + 1).matches("(?i)[a-z]+")
                        && !words.get(i + 1).equalsIgnoreCase("LEVEL")
                        && !words.get(i + 1).equalsIgnoreCase("FOR")) {
                    v = v + words.get(++i);
                }
                if (upper.equals("FOR")) duration = duration(v);
                else level = TraceLevel.parse(v);
            } else if (scope == null) {
                scope = TraceScope.parse(w);
            } else {
                throw new IllegalArgumentException(
                        "unexpected \"" + w + "\": TRACE ON [client id | user=U | database=D | "
                                + "address=CIDR] [FOR duration] [LEVEL headers|summary|full]");
            }
        }
        return new TraceRequest(scope == null ? TraceScope.ALL : scope, duration, level);
    }

    /** "90" (seconds), "90s", "500ms", "5m", "5min", "1h". */
    static Duration duration(String text) {
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches())
            throw new IllegalArgumentException("FOR needs a duration like 30s, 5min or 1h (got \"" + text + "\")");
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double seconds = switch (unit.charAt(0)) {
            case 'h' -> n * 3600;
            case 'm' -> unit.equals("ms") ? n / 1000 : n * 60;
            default -> n;
        };
        if (seconds <= 0) throw new IllegalArgumentException("FOR must be more than 0");
        return Duration.ofNanos((long) (seconds * 1e9));
    }
}
