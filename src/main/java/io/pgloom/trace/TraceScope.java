// Which sessions a trace covers: all, one client id, a user, a database, or source addresses in a CIDR network.
package io.pgloom.trace;

import java.net.InetAddress;
import java.net.UnknownHostException;

public record TraceScope(Kind kind, String value, byte[] network, int prefix) {
    public enum Kind {
        ALL,
        CLIENT,
        USER,
        DATABASE,
        ADDRESS
    }

    public static final TraceScope ALL = new TraceScope(Kind.ALL, "", null, 0);

    /** "C-12", "user=U", "database=D" (or db=D), "address=10.0.0.0/8" (a bare address means that one host). */
    static TraceScope parse(String word) {
        int eq = word.indexOf('=');
        if (eq < 0) {
            if (word.matches("(?i)c-\\d+")) return new TraceScope(Kind.CLIENT, "C-" + word.substring(2), null, 0);
            throw new IllegalArgumentException("unknown trace scope \"" + word
                    + "\": use a client id (C-12), user=NAME, database=NAME or address=CIDR");
        }
        String key = word.substring(0, eq).toLowerCase(java.util.Locale.ROOT);
        String v = word.substring(eq + 1);
        if (v.isEmpty()) throw new IllegalArgumentException("trace scope " + key + "= needs a value");
        return switch (key) {
            case "user" -> new TraceScope(Kind.USER, v, null, 0);
            case "database", "db" -> new TraceScope(Kind.DATABASE, v, null, 0);
            case "address", "addr" -> address(v);
            case "client" -> parse(v);
            default ->
                throw new IllegalArgumentException(
                        "unknown trace scope \"" + key + "\": use user=, database= or address=");
        };
    }

    private static TraceScope address(String cidr) {
        String[] parts = cidr.split("/", 2);
        // Literal addresses only: a host name here would mean a DNS lookup on the admin's command.
        if (!parts[0].matches("[0-9a-fA-F:.]+")) throw badAddress(cidr);
        try {
            byte[] net = InetAddress.getByName(parts[0]).getAddress();
            int prefix = parts.length > 1 ? Integer.parseInt(parts[1]) : net.length * 8;
            if (prefix < 0 || prefix > net.length * 8) throw badAddress(cidr);
            return new TraceScope(Kind.ADDRESS, cidr, net, prefix);
        } catch (UnknownHostException | NumberFormatException e) {
            throw badAddress(cidr);
        }
    }

    private static IllegalArgumentException badAddress(String cidr) {
        return new IllegalArgumentException(
                "address= must be an IP address or network like 10.0.0.0/8 or ::1/128 (got \"" + cidr + "\")");
    }

    /** Whether a session with this identity is covered; user and database may be "" before the startup packet. */
    boolean matches(String clientId, String user, String database, InetAddress address) {
        return switch (kind) {
            case ALL -> true;
            case CLIENT -> value.equals(clientId);
            case USER -> value.equals(user);
            case DATABASE -> value.equals(database);
            case ADDRESS -> address != null && io.pgloom.util.Cidr.contains(network, prefix, address.getAddress());
        };
    }

    /** As SHOW TRACES and the log show it. */
    public String describe() {
        return switch (kind) {
            case ALL -> "all";
            case CLIENT -> value;
            case USER -> "user=" + value;
            case DATABASE -> "database=" + value;
            case ADDRESS -> "address=" + value;
        };
    }
}
