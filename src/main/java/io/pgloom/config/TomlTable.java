// Typed, validating reads from one TOML table. Every problem is recorded with its full key; unknown keys are
// reported at the end, so a typo is never silently ignored.
package io.pgloom.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

final class TomlTable {
    private final String path;
    private final Map<String, Object> values;
    private final List<String> errors;
    private final Set<String> seen = new LinkedHashSet<>();

    TomlTable(String path, Map<String, Object> values, List<String> errors) {
        this.path = path;
        this.values = values == null ? Map.of() : values;
        this.errors = errors;
    }

    String key(String k) {
        return path.isEmpty() ? k : path + "." + k;
    }

    void error(String k, String message) {
        errors.add(key(k) + ": " + message);
    }

    boolean has(String k) {
        return values.containsKey(k);
    }

    Object raw(String k) {
        seen.add(k);
        return values.get(k);
    }

    String string(String k, String def) {
        Object v = raw(k);
        if (v == null) return def;
        if (v instanceof String s) return s;
        error(k, "must be a string");
        return def;
    }

    long integer(String k, long def, long min, long max) {
        Object v = raw(k);
        if (v == null) return def;
        if (!(v instanceof Long l)) {
            error(k, "must be an integer");
            return def;
        }
        if (l < min || l > max) {
            error(k, "must be between " + min + " and " + max + " (got " + l + ")");
            return def;
        }
        return l;
    }

    Integer optionalInt(String k, long min, long max) {
        if (!has(k)) {
            seen.add(k);
            return null;
        }
        return (int) integer(k, min, min, max);
    }

    boolean bool(String k, boolean def) {
        Object v = raw(k);
        if (v == null) return def;
        if (v instanceof Boolean b) return b;
        error(k, "must be true or false");
        return def;
    }

    /** A fraction between 0 and 1, integer or float (0 usually means off). */
    double fraction(String k, double def) {
        Object v = raw(k);
        double d = def;
        if (v instanceof Long l) d = l;
        else if (v instanceof Double x) d = x;
        else if (v != null) error(k, "must be a number between 0 and 1");
        if (!(d >= 0 && d <= 1)) {
            error(k, "must be between 0 and 1 (got " + d + ")");
            d = def;
        }
        return d;
    }

    /** Seconds as an integer or a float; 0 keeps its "off" meaning where the key has one. */
    Duration seconds(String k, double def, double max) {
        Object v = raw(k);
        double d = def;
        if (v instanceof Long l) d = l;
        else if (v instanceof Double x) d = x;
        else if (v != null) error(k, "must be a number of seconds");
        if (d < 0 || d > max || Double.isNaN(d)) {
            error(k, "must be between 0 and " + (long) max + " seconds (got " + d + ")");
            d = def;
        }
        return Duration.ofNanos((long) (d * 1_000_000_000L));
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> table(String k) {
        Object v = raw(k);
        if (v == null) return null;
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        error(k, "must be a table");
        return null;
    }

    List<String> stringList(String k) {
        Object v = raw(k);
        if (v == null) return List.of();
        if (v instanceof List<?> l && l.stream().allMatch(x -> x instanceof String)) {
            return l.stream().map(x -> (String) x).toList();
        }
        error(k, "must be a list of strings");
        return List.of();
    }

    Map<String, String> stringMap(String k) {
        Map<String, Object> t = table(k);
        Map<String, String> out = new LinkedHashMap<>();
        if (t == null) return out;
        t.forEach((name, v) -> {
            if (v instanceof String s) out.put(name, s);
            else if (v instanceof Long || v instanceof Double || v instanceof Boolean) out.put(name, String.valueOf(v));
            else errors.add(key(k) + "." + name + ": must be a string");
        });
        return out;
    }

    /** The keys present in this table, in file order. */
    Set<String> keys() {
        return values.keySet();
    }

    void markSeen(String k) {
        seen.add(k);
    }

    /** Reports every key that no reader asked for. */
    void rejectUnknown() {
        for (String k : values.keySet()) {
            if (!seen.contains(k)) errors.add(key(k) + ": unknown key");
        }
    }
}
