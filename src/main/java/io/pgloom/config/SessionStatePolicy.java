// What transaction mode does when a client creates session state pgloom cannot move between servers (LISTEN,
// session advisory locks, temporary tables, WITH HOLD cursors, SQL PREPARE): count and log it (detect), or keep
// the client on its server from then on (pin), so the state keeps working and never reaches another client.
package io.pgloom.config;

public enum SessionStatePolicy {
    DETECT,
    PIN;

    static SessionStatePolicy parse(TomlTable t, String key, String value) {
        return switch (value) {
            case "detect" -> DETECT;
            case "pin" -> PIN;
            default -> {
                t.error(key, "must be \"detect\" or \"pin\" (got \"" + value + "\")");
                yield DETECT;
            }
        };
    }
}
