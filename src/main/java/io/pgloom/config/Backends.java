// Which PostgreSQL hosts serve one database ([databases.NAME] hosts, target) and how pgloom checks them
// ([failover]). The single host/port form is one host that is never health-checked, exactly as before hosts existed.
package io.pgloom.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

public record Backends(
        List<Host> hosts,
        Target target,
        boolean checked,
        Failover failover,
        ReplicaLag replicaLag,
        ReadSplit readSplit) {

    /** Without replica lag limits (standbys stay in rotation however far behind). */
    public Backends(List<Host> hosts, Target target, boolean checked, Failover failover) {
        this(hosts, target, checked, failover, ReplicaLag.OFF);
    }

    public Backends(List<Host> hosts, Target target, boolean checked, Failover failover, ReplicaLag replicaLag) {
        this(hosts, target, checked, failover, replicaLag, ReadSplit.DEFAULT);
    }

    /**
     * target = "auto": how long a client's reads stay on the primary after it wrote (read_your_writes), and the
     * functions besides the built-in read-only ones a read may call and still go to a standby (read_only_functions).
     */
    public record ReadSplit(Duration readYourWrites, List<String> readOnlyFunctions) {
        public static final ReadSplit DEFAULT = new ReadSplit(Duration.ofSeconds(1), List.of());
    }

    /**
     * max_replica_lag_bytes / max_replica_lag_seconds (0 = no limit): a standby past either leaves read rotation and
     * returns once below half of both; replica_lag_fallback: where reads go when every standby lags ("primary", or
     * fail when false).
     */
    public record ReplicaLag(long maxBytes, Duration maxDelay, boolean fallbackToPrimary) {
        public static final ReplicaLag OFF = new ReplicaLag(0, Duration.ZERO, true);

        public boolean limited() {
            return maxBytes > 0 || !maxDelay.isZero();
        }

        /** Past a limit: out of rotation. Unknown measures (-1) never count. */
        public boolean exceeded(long bytes, double seconds) {
            return maxBytes > 0 && bytes > maxBytes || !maxDelay.isZero() && seconds > maxDelay.toMillis() / 1e3;
        }

        /** Below half of every limit: back in rotation (the hysteresis keeps a standby near a limit from flapping). */
        public boolean caughtUp(long bytes, double seconds) {
            return (maxBytes == 0 || bytes >= 0 && bytes <= maxBytes / 2)
                    && (maxDelay.isZero() || seconds >= 0 && seconds <= maxDelay.toMillis() / 2e3);
        }
    }

    /** One host: name or address, port, and its share of new server connections among fitting hosts. */
    public record Host(String host, int port, int weight) {
        /** "host:port", an IPv6 address in brackets: how SHOW BACKENDS, DRAIN and SWITCHOVER name it. */
        public String name() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }

        /**
         * Parses a hosts entry: "host", "host:port", "[v6]" or "[v6]:port", optionally followed by "?weight=N".
         *
         * @throws IllegalArgumentException saying what is wrong with it
         */
        public static Host parse(String entry, int defaultPort) {
            String s = entry.strip();
            int weight = 1;
            int q = s.indexOf('?');
            if (q >= 0) {
                String opt = s.substring(q + 1);
                s = s.substring(0, q);
                if (!opt.startsWith("weight="))
                    throw new IllegalArgumentException("only ?weight=N may follow the address");
                try {
                    weight = Integer.parseInt(opt.substring(7));
                } catch (NumberFormatException e) {
                    weight = -1;
                }
                if (weight < 1 || weight > 1000)
                    throw new IllegalArgumentException("weight must be between 1 and 1000");
            }
            String host;
            String port = null;
            if (s.startsWith("[")) {
                int end = s.indexOf(']');
                if (end < 0) throw new IllegalArgumentException("an IPv6 address needs its closing ]");
                host = s.substring(1, end);
                String rest = s.substring(end + 1);
                if (!rest.isEmpty()) {
                    if (!rest.startsWith(":")) throw new IllegalArgumentException("expected :port after ]");
                    port = rest.substring(1);
                }
            } else {
                int colon = s.indexOf(':');
                if (colon >= 0 && s.indexOf(':', colon + 1) >= 0) {
                    throw new IllegalArgumentException("write an IPv6 address in brackets, e.g. \"[::1]:5432\"");
                }
                host = colon < 0 ? s : s.substring(0, colon);
                if (colon >= 0) port = s.substring(colon + 1);
            }
            if (host.isBlank()) throw new IllegalArgumentException("the host is empty");
            int p = defaultPort;
            if (port != null) {
                try {
                    p = Integer.parseInt(port);
                } catch (NumberFormatException e) {
                    p = 0;
                }
                if (p < 1 || p > 65535) throw new IllegalArgumentException("port must be between 1 and 65535");
            }
            return new Host(host, p, weight);
        }
    }

    /** Which hosts new server connections may go to, by the role health checks found. */
    public enum Target {
        PRIMARY,
        STANDBY,
        PREFER_STANDBY,
        ANY,
        /** Read/write split: writes and anything uncertain on the primary, known reads on standbys. */
        AUTO;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The config word, or null when it is not one. */
        public static Target of(String word) {
            for (Target t : values()) if (t.label().equals(word)) return t;
            return null;
        }
    }

    /**
     * [failover]: health check timing, cutover thresholds, how long DRAIN and SWITCHOVER wait, and the user health
     * checks log in as when the database names none ("" = none).
     */
    public record Failover(
            Duration healthCheckPeriod,
            Duration healthCheckTimeout,
            int failoverThreshold,
            int recoveryThreshold,
            Duration drainTimeout,
            String healthCheckUser) {}
}
