// What transaction mode does when a client creates session state pgloom cannot move between servers (LISTEN,
// session advisory locks, temporary tables, WITH HOLD cursors, SQL PREPARE): count and log it (detect), keep the
// client on its server from then on (pin), so the state keeps working and never reaches another client, or refuse
// the statement with 0A000 before any server runs it (error).
package io.pgloom.config;

public enum SessionStatePolicy {
    DETECT,
    PIN,
    ERROR;

    static SessionStatePolicy parse(TomlTable t, String key, String value) {
        return switch (value) {
            case "detect" -> DETECT;
            case "pin" -> PIN;
            case "error" -> ERROR;
            default -> {
                t.error(key, "must be \"detect\", \"pin\" or \"error\" (got \"" + value + "\")");
                yield DETECT;
            }
        };
    }
}
