// SET key = value in the admin console: a copy of the running config with one [proxy] setting changed, checked
// like the loader checks it. Lost at the next RELOAD (the file stays the source of truth), as in PgBouncer.
package io.pgloom.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

public final class RuntimeSettings {
    private RuntimeSettings() {}

    /** Settings bound at start (the listening socket): changing them needs a restart. */
    private static final Set<String> FIXED = Set.of(
            "listen",
            "listen_host",
            "listen_port",
            "so_reuseport",
            "unix_socket_dir",
            "unix_socket_mode",
            "unix_socket_group");

    private static final Set<String> AT_LEAST_ONE = Set.of(
            "max_client_conn",
            "default_pool_size",
            "max_packet_size",
            "server_connect_timeout",
            "client_login_timeout");

    /** Whether key is a setting bound at start, which SET cannot change. */
    public static boolean needsRestart(String key) {
        return FIXED.contains(key.toLowerCase(Locale.ROOT));
    }

    /** The config with [proxy] key set to value; throws IllegalArgumentException with a message for the operator. */
    public static ProxyConfig with(ProxyConfig c, String key, String rawValue) {
        String k = key.toLowerCase(Locale.ROOT);
        if (FIXED.contains(k))
            throw new IllegalArgumentException(k + " cannot change at run time: edit the config and restart");
        String value = rawValue.strip();
        if (value.length() >= 2
                && (value.startsWith("'") && value.endsWith("'") || value.startsWith("\"") && value.endsWith("\""))) {
            value = value.substring(1, value.length() - 1);
        }
        ProxySettings p = c.proxy();
        RecordComponent[] rcs = ProxySettings.class.getRecordComponents();
        Object[] args = new Object[rcs.length];
        boolean found = false;
        try {
            for (int i = 0; i < rcs.length; i++) {
                args[i] = rcs[i].getAccessor().invoke(p);
                if (snake(rcs[i].getName()).equals(k)) {
                    // tcp_keepalive switches keepalive; its timings (tcp_keepidle...) change by RELOAD.
                    args[i] = args[i] instanceof io.pgloom.util.TcpKeepalive ka
                            ? ka.enabled((Boolean) parse(k, boolean.class, value))
                            : parse(k, rcs[i].getType(), value);
                    found = true;
                }
            }
            if (!found) throw new IllegalArgumentException("unknown setting \"" + k + "\" (see SHOW CONFIG)");
            Class<?>[] types = new Class<?>[rcs.length];
            for (int i = 0; i < rcs.length; i++) types[i] = rcs[i].getType();
            Constructor<ProxySettings> ctor = ProxySettings.class.getDeclaredConstructor(types);
            ProxySettings changed = ctor.newInstance(args);
            if (changed.minPoolSize() > changed.defaultPoolSize()) {
                throw new IllegalArgumentException("min_pool_size would be more than default_pool_size");
            }
            return new ProxyConfig(
                    changed,
                    c.admin(),
                    c.log(),
                    c.tls(),
                    c.serverTls(),
                    c.databases(),
                    c.users(),
                    c.hba(),
                    c.source(),
                    c.trace(),
                    c.peers());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot rebuild the settings: " + e, e);
        }
    }

    private static Object parse(String k, Class<?> type, String v) {
        try {
            if (type == int.class) {
                int n = Integer.parseInt(v);
                if (n < (AT_LEAST_ONE.contains(k) ? 1 : 0))
                    throw new IllegalArgumentException(k + " must be at least " + (AT_LEAST_ONE.contains(k) ? 1 : 0));
                return n;
            }
            if (type == boolean.class) {
                return switch (v.toLowerCase(Locale.ROOT)) {
                    case "true", "on", "1" -> true;
                    case "false", "off", "0" -> false;
                    default -> throw new IllegalArgumentException(k + " must be true or false");
                };
            }
            if (type == double.class) {
                double d = Double.parseDouble(v);
                if (!(d >= 0 && d <= 1)) throw new IllegalArgumentException(k + " must be between 0 and 1");
                return d;
            }
            if (type == Duration.class) {
                double s = Double.parseDouble(v);
                if (!Double.isFinite(s)) throw new NumberFormatException(v);
                if (s < 0 || (s == 0 && AT_LEAST_ONE.contains(k)))
                    throw new IllegalArgumentException(k + " must be a positive number of seconds");
                return Duration.ofNanos((long) (s * 1e9));
            }
            if (type == PoolMode.class) {
                PoolMode mode = PoolMode.of(v);
                if (mode == null)
                    throw new IllegalArgumentException("pool_mode must be session, transaction or statement");
                return mode;
            }
            if (type == AuthType.class) {
                return switch (v) {
                    case "trust" -> AuthType.TRUST;
                    case "md5" -> AuthType.MD5;
                    case "scram-sha-256" -> AuthType.SCRAM_SHA_256;
                    default -> throw new IllegalArgumentException("auth_type must be scram-sha-256, md5 or trust");
                };
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(k + ": \"" + v + "\" is not a number");
        }
    }

    public static String snake(String camel) {
        StringBuilder sb = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) sb.append('_').append(Character.toLowerCase(ch));
            else sb.append(ch);
        }
        return sb.toString();
    }
}
