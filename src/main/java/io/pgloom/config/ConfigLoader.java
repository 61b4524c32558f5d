// Reads proxy.toml into a ProxyConfig: defaults, types, ranges, cross-checks and secret sources
// (password / password_env / password_file). All problems are collected and reported together.
package io.pgloom.config;

import com.moandjiezana.toml.Toml;
import io.pgloom.auth.ScramVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

public final class ConfigLoader {
    private ConfigLoader() {}

    private static final double MAX_SECONDS = 365.0 * 24 * 3600;
    private static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error");

    /** Environment lookup; tests substitute their own. */
    static Function<String, String> env = System::getenv;

    public static ProxyConfig load(Path file) throws ConfigError {
        return load(file, env);
    }

    /** As {@link #load(Path)}, with the environment given (for checking configs meant for another machine). */
    public static ProxyConfig load(Path file, Function<String, String> environment) throws ConfigError {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigError(file + ": cannot read: " + e.getMessage());
        }
        Map<String, Object> root;
        try {
            root = new Toml().read(text).toMap();
        } catch (RuntimeException e) {
            throw new ConfigError(file + ": not valid TOML: " + e.getMessage());
        }
        List<String> errors = new ArrayList<>();
        ProxyConfig config = parse(root, file, errors, environment);
        if (!errors.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (String e : errors) {
                if (!sb.isEmpty()) sb.append('\n');
                sb.append(file).append(": ").append(e);
            }
            throw new ConfigError(sb.toString());
        }
        return config;
    }

    private static ProxyConfig parse(
            Map<String, Object> root, Path file, List<String> errors, Function<String, String> environment) {
        TomlTable top = new TomlTable("", root, errors);
        TomlTable proxyTable = new TomlTable("proxy", top.table("proxy"), errors);
        Integer peerId = PeersReader.peerId(proxyTable, environment);
        ProxySettings proxy = proxy(proxyTable, file.toAbsolutePath().getParent());
        AdminSettings admin = admin(new TomlTable("admin", top.table("admin"), errors));
        LogSettings log = log(new TomlTable("log", top.table("log"), errors));
        Path dir = file.toAbsolutePath().getParent();
        TlsSettings tls = tls(new TomlTable("tls", top.table("tls"), errors), dir);
        TlsSettings.Server serverTls = serverTls(new TomlTable("server_tls", top.table("server_tls"), errors), dir);

        Backends.Failover failover = failover(new TomlTable("failover", top.table("failover"), errors));
        Map<String, DatabaseConfig> dbs = new TreeMap<>();
        Map<String, Object> dbTables = top.table("databases");
        if (dbTables != null) {
            dbTables.forEach((key, v) -> {
                String name = unquoted(key);
                if (v instanceof Map<?, ?>)
                    dbs.put(
                            name,
                            database(
                                    name,
                                    new TomlTable("databases." + name, asMap(v), errors),
                                    dir,
                                    environment,
                                    failover));
                else errors.add("databases." + name + ": must be a table");
            });
        }
        Map<String, UserConfig> users = new TreeMap<>();
        Map<String, Object> userTables = top.table("users");
        if (userTables != null) {
            userTables.forEach((name, v) -> {
                if (v instanceof Map<?, ?>)
                    users.put(name, user(name, new TomlTable("users." + name, asMap(v), errors), dir, environment));
                else errors.add("users." + name + ": must be a table");
            });
        }
        List<HbaRule> hba = hba(top, errors, dir, environment);
        TraceSettings trace = trace(new TomlTable("trace", top.table("trace"), errors), dir);
        PeerSettings peers = PeersReader.read(peerId, new TomlTable("peers", top.table("peers"), errors), errors);
        top.rejectUnknown();

        if (!proxy.authUser().isEmpty() && !users.containsKey(proxy.authUser())) {
            errors.add("proxy.auth_user: \"" + proxy.authUser() + "\" has no [users." + proxy.authUser()
                    + "] table (its password logs pgloom in to run auth_query)");
        }
        String checkUser = failover.healthCheckUser();
        Secret checkSecret = users.containsKey(checkUser) ? users.get(checkUser).password() : null;
        if (!checkUser.isEmpty() && !users.containsKey(checkUser)) {
            errors.add("failover.health_check_user: \"" + checkUser + "\" has no [users." + checkUser
                    + "] table (its password logs pgloom in for health checks)");
        } else if (!checkUser.isEmpty() && (checkSecret == null || !checkSecret.canLogIn())) {
            errors.add("failover.health_check_user: [users." + checkUser + "] needs a password pgloom can log in with "
                    + "(plain text or an MD5 hash; a SCRAM verifier only checks clients)");
        }
        for (String u : admin.users()) {
            if (!users.containsKey(u)) errors.add("admin.users: \"" + u + "\" has no [users." + u + "] table");
        }
        for (DatabaseConfig db : dbs.values()) {
            int size = db.poolSize() != null ? db.poolSize() : proxy.defaultPoolSize();
            int min = db.minPoolSize() != null ? db.minPoolSize() : proxy.minPoolSize();
            if (min > size)
                errors.add("databases." + db.name() + ".min_pool_size: " + min + " is more than the pool size " + size);
            if (db.name().equals("pgloom")) errors.add("databases.pgloom: the name is reserved for the admin console");
        }
        if (proxy.minPoolSize() > proxy.defaultPoolSize()) {
            errors.add("proxy.min_pool_size: " + proxy.minPoolSize() + " is more than default_pool_size "
                    + proxy.defaultPoolSize());
        }
        return new ProxyConfig(
                proxy,
                admin,
                log,
                tls,
                serverTls,
                Collections.unmodifiableMap(dbs),
                Collections.unmodifiableMap(users),
                hba,
                file,
                trace,
                peers);
    }

    /** toml4j keeps the quotes of a quoted key ([databases."*"] gives "\"*\""); the name is what is inside. */
    private static String unquoted(String key) {
        return key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")
                ? key.substring(1, key.length() - 1)
                : key;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return (Map<String, Object>) o;
    }

    private static ProxySettings proxy(TomlTable t, Path dir) {
        String[] listen = hostPort(t, "listen", t.string("listen", Defaults.LISTEN), false);
        String mode = t.string("pool_mode", Defaults.POOL_MODE);
        String auth = t.string("auth_type", Defaults.AUTH_TYPE);
        ProxySettings p = new ProxySettings(
                listen[0],
                Integer.parseInt(listen[1]),
                poolMode(t, "pool_mode", mode),
                authType(t, auth),
                (int) t.integer("max_client_conn", Defaults.MAX_CLIENT_CONN, 1, 1_000_000),
                (int) t.integer("default_pool_size", Defaults.DEFAULT_POOL_SIZE, 1, 10_000),
                (int) t.integer("min_pool_size", Defaults.MIN_POOL_SIZE, 0, 10_000),
                (int) t.integer("reserve_pool_size", Defaults.RESERVE_POOL_SIZE, 0, 10_000),
                t.seconds("reserve_pool_timeout", Defaults.RESERVE_POOL_TIMEOUT, MAX_SECONDS),
                (int) t.integer("max_db_connections", Defaults.MAX_DB_CONNECTIONS, 0, 100_000),
                (int) t.integer("max_user_connections", Defaults.MAX_USER_CONNECTIONS, 0, 100_000),
                t.seconds("query_wait_timeout", Defaults.QUERY_WAIT_TIMEOUT, MAX_SECONDS),
                t.seconds("query_timeout", Defaults.QUERY_TIMEOUT, MAX_SECONDS),
                t.seconds("server_idle_timeout", Defaults.SERVER_IDLE_TIMEOUT, MAX_SECONDS),
                t.seconds("server_lifetime", Defaults.SERVER_LIFETIME, MAX_SECONDS),
                positive(
                        t,
                        "server_connect_timeout",
                        t.seconds("server_connect_timeout", Defaults.SERVER_CONNECT_TIMEOUT, MAX_SECONDS)),
                t.seconds("server_login_retry", Defaults.SERVER_LOGIN_RETRY, MAX_SECONDS),
                t.string("server_reset_query", Defaults.SERVER_RESET_QUERY),
                t.bool("server_reset_query_always", Defaults.SERVER_RESET_QUERY_ALWAYS),
                t.seconds("server_check_delay", Defaults.SERVER_CHECK_DELAY, MAX_SECONDS),
                t.string("server_check_query", Defaults.SERVER_CHECK_QUERY),
                t.seconds("shutdown_timeout", Defaults.SHUTDOWN_TIMEOUT, MAX_SECONDS),
                positive(
                        t,
                        "client_login_timeout",
                        t.seconds("client_login_timeout", Defaults.CLIENT_LOGIN_TIMEOUT, MAX_SECONDS)),
                t.seconds("client_idle_timeout", Defaults.CLIENT_IDLE_TIMEOUT, MAX_SECONDS),
                t.seconds("idle_transaction_timeout", Defaults.IDLE_TRANSACTION_TIMEOUT, MAX_SECONDS),
                t.seconds("transaction_timeout", Defaults.TRANSACTION_TIMEOUT, MAX_SECONDS),
                (int) t.integer("max_packet_size", Defaults.MAX_PACKET_SIZE, 10_000, 1L << 30),
                (int) t.integer("max_prepared_statements", Defaults.MAX_PREPARED_STATEMENTS, 0, 100_000),
                t.bool("application_name_add_host", Defaults.APPLICATION_NAME_ADD_HOST),
                tcpKeepalive(t),
                t.bool("so_reuseport", Defaults.SO_REUSEPORT),
                (int) t.integer("flight_recorder_size", Defaults.FLIGHT_RECORDER_SIZE, 0, 10_000),
                t.seconds("auth_failure_delay", Defaults.AUTH_FAILURE_DELAY, 60),
                t.string("auth_user", ""),
                t.string("auth_query", Defaults.AUTH_QUERY),
                t.seconds("auth_query_cache_ttl", Defaults.AUTH_QUERY_CACHE_TTL, MAX_SECONDS),
                (int) t.integer("max_client_conn_per_address", Defaults.MAX_CLIENT_CONN_PER_ADDRESS, 0, 1_000_000),
                (int) t.integer("max_db_client_connections", 0, 0, 1_000_000),
                (int) t.integer("max_user_client_connections", 0, 0, 1_000_000),
                t.seconds("autodb_idle_timeout", Defaults.AUTODB_IDLE_TIMEOUT, MAX_SECONDS),
                (int) t.integer("max_auto_databases", Defaults.MAX_AUTO_DATABASES, 1, 100_000),
                SessionStatePolicy.parse(t, "on_session_state", t.string("on_session_state", "detect")),
                t.fraction("new_client_heap_limit", Defaults.NEW_CLIENT_HEAP_LIMIT),
                t.seconds("wait_for_clients_timeout", 0, MAX_SECONDS),
                unixSocketDir(t, dir),
                unixSocketMode(t),
                t.string("unix_socket_group", ""),
                (int) t.integer("read_spin_us", Defaults.READ_SPIN_US, 0, 1000));
        t.rejectUnknown();
        return p;
    }

    /** unix_socket_dir: "" (off) or a folder, relative to the config file's folder like every other path. */
    private static String unixSocketDir(TomlTable t, Path dir) {
        String d = t.string("unix_socket_dir", "");
        return d.isEmpty() ? "" : dir.resolve(d).normalize().toString();
    }

    /** unix_socket_mode: octal permission bits of the socket file, "0777" as in PgBouncer. */
    private static String unixSocketMode(TomlTable t) {
        String m = t.string("unix_socket_mode", Defaults.UNIX_SOCKET_MODE);
        if (!m.matches("0?[0-7]{3}")) {
            t.error("unix_socket_mode", "must be octal permission bits like \"0777\" or \"0770\" (got \"" + m + "\")");
            return Defaults.UNIX_SOCKET_MODE;
        }
        return m;
    }

    /** [trace]: paths relative to the config file's folder, like every other path. */
    private static TraceSettings trace(TomlTable t, Path dir) {
        String file = t.string("file", Defaults.TRACE_FILE);
        if (file.isBlank()) t.error("file", "must name a file");
        String pcap = t.string("pcap_file", Defaults.TRACE_PCAP_FILE);
        long maxBytes = t.integer("max_file_bytes", Defaults.TRACE_MAX_FILE_BYTES, 64 * 1024, 1L << 40);
        int keep = (int) t.integer("keep_files", Defaults.TRACE_KEEP_FILES, 0, 100);
        Duration def = positive(
                t, "default_duration", t.seconds("default_duration", Defaults.TRACE_DEFAULT_DURATION, MAX_SECONDS));
        Duration max = positive(t, "max_duration", t.seconds("max_duration", Defaults.TRACE_MAX_DURATION, MAX_SECONDS));
        if (def.compareTo(max) > 0)
            t.error("default_duration", "is more than max_duration (" + max.toSeconds() + " s)");
        int queue = (int) t.integer("queue_size", Defaults.TRACE_QUEUE_SIZE, 100, 1_000_000);
        boolean values = t.bool("trace_values", Defaults.TRACE_VALUES);
        t.rejectUnknown();
        return new TraceSettings(
                dir.resolve(file.isBlank() ? Defaults.TRACE_FILE : file),
                pcap.isEmpty() ? null : dir.resolve(pcap),
                maxBytes,
                keep,
                def,
                max,
                queue,
                values);
    }

    /** tcp_keepalive and its timings (seconds; 0 = the OS default), as PgBouncer names them. */
    private static io.pgloom.util.TcpKeepalive tcpKeepalive(TomlTable t) {
        return new io.pgloom.util.TcpKeepalive(
                t.bool("tcp_keepalive", Defaults.TCP_KEEPALIVE),
                (int) t.integer("tcp_keepidle", Defaults.TCP_KEEPIDLE, 0, 86_400),
                (int) t.integer("tcp_keepintvl", Defaults.TCP_KEEPINTVL, 0, 86_400),
                (int) t.integer("tcp_keepcnt", Defaults.TCP_KEEPCNT, 0, 1_000));
    }

    private static Duration positive(TomlTable t, String k, Duration d) {
        if (d.isZero()) t.error(k, "must be more than 0");
        return d.isZero() ? Duration.ofSeconds(1) : d;
    }

    private static AdminSettings admin(TomlTable t) {
        String listen = t.string("http_listen", Defaults.HTTP_LISTEN);
        List<String> users = t.stringList("users");
        boolean livePage = t.bool("live_page", Defaults.LIVE_PAGE);
        t.rejectUnknown();
        if (listen.isEmpty()) return new AdminSettings("", 0, false, users, livePage);
        String[] hp = hostPort(t, "http_listen", listen, true);
        return new AdminSettings(hp[0], Integer.parseInt(hp[1]), true, users, livePage);
    }

    private static LogSettings log(TomlTable t) {
        String level = t.string("level", Defaults.LOG_LEVEL).toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(level)) t.error("level", "must be one of " + LEVELS + " (got \"" + level + "\")");
        String format = t.string("format", Defaults.LOG_FORMAT);
        if (!format.equals("text") && !format.equals("json"))
            t.error("format", "must be \"text\" or \"json\" (got \"" + format + "\")");
        t.rejectUnknown();
        return new LogSettings(LEVELS.contains(level) ? level : Defaults.LOG_LEVEL, format);
    }

    /** [[hba]] rules in order; each needs a method; addresses are CIDRs ("10.0.0.0/8", "::1/128") or "all". */
    @SuppressWarnings("unchecked")
    private static List<HbaRule> hba(
            TomlTable top, List<String> errors, Path dir, Function<String, String> environment) {
        if (!top.has("hba")) {
            top.markSeen("hba");
            return List.of();
        }
        Object raw = top.raw("hba");
        if (!(raw instanceof List<?> list)) {
            errors.add("hba: must be an array of tables ([[hba]])");
            return List.of();
        }
        List<HbaRule> rules = new ArrayList<>();
        int n = 0;
        for (Object o : list) {
            n++;
            if (!(o instanceof Map<?, ?>)) {
                errors.add("hba[" + n + "]: must be a table");
                continue;
            }
            TomlTable t = new TomlTable("hba[" + n + "]", (Map<String, Object>) o, errors);
            List<String> dbs = listOrOne(t, "database");
            List<String> users = listOrOne(t, "user");
            String address = t.string("address", "all");
            byte[] network = null;
            int prefix = 0;
            if (!address.equals("all")) {
                try {
                    String[] parts = address.split("/");
                    network = java.net.InetAddress.getByName(parts[0]).getAddress();
                    prefix = parts.length > 1 ? Integer.parseInt(parts[1]) : network.length * 8;
                    if (prefix < 0 || prefix > network.length * 8) throw new NumberFormatException();
                    if (!parts[0].matches("[0-9a-fA-F:.]+")) throw new NumberFormatException(); // no DNS names
                } catch (Exception e) {
                    t.error(
                            "address",
                            "must be an IP network like 10.0.0.0/8 or ::1/128, or \"all\" (got \"" + address + "\")");
                }
            }
            String typeText = t.string("type", "any");
            HbaRule.ConnectionType type = switch (typeText) {
                case "any" -> HbaRule.ConnectionType.ANY;
                case "tls" -> HbaRule.ConnectionType.TLS;
                case "plain" -> HbaRule.ConnectionType.PLAIN;
                case "local" -> HbaRule.ConnectionType.LOCAL;
                default -> {
                    t.error("type", "must be any, tls, plain or local (got \"" + typeText + "\")");
                    yield HbaRule.ConnectionType.ANY;
                }
            };
            String methodText = t.string("method", null);
            HbaRule.Method method = methodText == null
                    ? null
                    : switch (methodText) {
                        case "trust" -> HbaRule.Method.TRUST;
                        case "reject" -> HbaRule.Method.REJECT;
                        case "md5" -> HbaRule.Method.MD5;
                        case "scram-sha-256" -> HbaRule.Method.SCRAM_SHA_256;
                        case "cert" -> HbaRule.Method.CERT;
                        case "ldap" -> HbaRule.Method.LDAP;
                        case "peer" -> HbaRule.Method.PEER;
                        default -> null;
                    };
            if (method == null)
                t.error(
                        "method",
                        "must be trust, reject, md5, scram-sha-256, cert, ldap or peer (got \"" + methodText + "\")");
            if (method == HbaRule.Method.PEER && type != HbaRule.ConnectionType.LOCAL)
                t.error(
                        "method",
                        "peer needs type = \"local\": only a Unix-socket client has an operating-system user");
            if (type == HbaRule.ConnectionType.LOCAL && network != null)
                t.error("address", "a type = \"local\" rule (Unix socket) has no address");
            LdapSettings ldap = method == HbaRule.Method.LDAP ? LdapRuleReader.read(t, dir, environment) : null;
            t.rejectUnknown();
            rules.add(new HbaRule(
                    n,
                    dbs,
                    users,
                    address,
                    network,
                    prefix,
                    type,
                    method == null ? HbaRule.Method.REJECT : method,
                    ldap));
        }
        return List.copyOf(rules);
    }

    private static List<String> listOrOne(TomlTable t, String key) {
        if (!t.has(key)) {
            t.markSeen(key);
            return List.of("all");
        }
        Object v = t.raw(key);
        if (v instanceof String s) return List.of(s);
        return t.stringList(key);
    }

    /** [server_tls]: towards PostgreSQL, with libpq's sslmode words. */
    private static TlsSettings.Server serverTls(TomlTable t, Path dir) {
        String m = t.string("mode", "disable");
        TlsSettings.Server.ServerMode mode = switch (m) {
            case "disable" -> TlsSettings.Server.ServerMode.DISABLE;
            case "prefer" -> TlsSettings.Server.ServerMode.PREFER;
            case "require" -> TlsSettings.Server.ServerMode.REQUIRE;
            case "verify-ca" -> TlsSettings.Server.ServerMode.VERIFY_CA;
            case "verify-full" -> TlsSettings.Server.ServerMode.VERIFY_FULL;
            default -> {
                t.error("mode", "must be disable, prefer, require, verify-ca or verify-full (got \"" + m + "\")");
                yield TlsSettings.Server.ServerMode.DISABLE;
            }
        };
        Path ca = t.has("ca_file") ? dir.resolve(t.string("ca_file", "")) : null;
        Path cert = t.has("cert_file") ? dir.resolve(t.string("cert_file", "")) : null;
        Path key = t.has("key_file") ? dir.resolve(t.string("key_file", "")) : null;
        t.markSeen("ca_file");
        t.markSeen("cert_file");
        t.markSeen("key_file");
        t.rejectUnknown();
        boolean verify =
                mode == TlsSettings.Server.ServerMode.VERIFY_CA || mode == TlsSettings.Server.ServerMode.VERIFY_FULL;
        if (verify && ca == null) t.error("ca_file", "is required to verify PostgreSQL's certificate (" + m + ")");
        if ((cert == null) != (key == null))
            t.error(cert == null ? "cert_file" : "key_file", "cert_file and key_file go together");
        // The files themselves are read by io.pgloom.tls (TlsState.check), which reports them by key too.
        return new TlsSettings.Server(mode, ca, cert, key);
    }

    /** [tls]: mode and file names; the files are read by io.pgloom.tls (TlsState.check), a bad one named by its key. */
    private static TlsSettings tls(TomlTable t, Path dir) {
        String modeText = t.string("mode", "disable");
        TlsSettings.TlsMode mode = switch (modeText) {
            case "disable" -> TlsSettings.TlsMode.DISABLE;
            case "allow" -> TlsSettings.TlsMode.ALLOW;
            case "prefer" -> TlsSettings.TlsMode.PREFER;
            case "require" -> TlsSettings.TlsMode.REQUIRE;
            case "verify-ca" -> TlsSettings.TlsMode.VERIFY_CA;
            case "verify-full" -> TlsSettings.TlsMode.VERIFY_FULL;
            default -> {
                t.error(
                        "mode",
                        "must be disable, allow, prefer, require, verify-ca or verify-full (got \"" + modeText + "\")");
                yield TlsSettings.TlsMode.DISABLE;
            }
        };
        Path cert = t.has("cert_file") ? dir.resolve(t.string("cert_file", "")) : null;
        Path key = t.has("key_file") ? dir.resolve(t.string("key_file", "")) : null;
        Path ca = t.has("ca_file") ? dir.resolve(t.string("ca_file", "")) : null;
        t.markSeen("cert_file");
        t.markSeen("key_file");
        t.markSeen("ca_file");
        String min = t.string("min_protocol", "TLSv1.2");
        if (!min.equals("TLSv1.2") && !min.equals("TLSv1.3"))
            t.error("min_protocol", "must be \"TLSv1.2\" or \"TLSv1.3\" (got \"" + min + "\")");
        List<String> ciphers = t.stringList("ciphers");
        t.rejectUnknown();
        if (mode.enabled()) {
            if (cert == null) t.error("cert_file", "is required when mode is " + modeText);
            if (key == null) t.error("key_file", "is required when mode is " + modeText);
            if (mode.clientCertificate() && ca == null)
                t.error("ca_file", "is required to verify client certificates (" + modeText + ")");
        }
        return new TlsSettings(mode, cert, key, ca, min, ciphers);
    }

    /** [failover]: health check timing and thresholds for databases with hosts = [...]. */
    private static Backends.Failover failover(TomlTable t) {
        Duration period = positive(
                t, "health_check_period", t.seconds("health_check_period", Defaults.HEALTH_CHECK_PERIOD, 3600));
        Duration timeout = positive(
                t, "health_check_timeout", t.seconds("health_check_timeout", Defaults.HEALTH_CHECK_TIMEOUT, 3600));
        int down = (int) t.integer("failover_threshold", Defaults.FAILOVER_THRESHOLD, 1, 1000);
        int up = (int) t.integer("recovery_threshold", Defaults.RECOVERY_THRESHOLD, 1, 1000);
        Duration drain = t.seconds("drain_timeout", Defaults.DRAIN_TIMEOUT, MAX_SECONDS);
        String checkUser = t.string("health_check_user", "");
        t.rejectUnknown();
        return new Backends.Failover(period, timeout, down, up, drain, checkUser);
    }

    /** host/port (one unchecked host) or hosts = ["h:p?weight=N", ...] with target (health-checked). */
    private static Backends backends(TomlTable t, int port, Backends.Failover failover) {
        String targetWord = t.string("target", Defaults.TARGET);
        Backends.Target target = Backends.Target.of(targetWord);
        if (target == null) {
            t.error("target", "must be primary, standby, prefer-standby, any or auto (got \"" + targetWord + "\")");
            target = Backends.Target.PRIMARY;
        }
        List<Backends.Host> hosts = new ArrayList<>();
        if (t.has("hosts")) {
            if (t.has("host")) t.error("hosts", "give either host (one server) or hosts (several), not both");
            t.markSeen("host");
            for (String entry : t.stringList("hosts")) {
                try {
                    Backends.Host h = Backends.Host.parse(entry, port);
                    if (hosts.stream().anyMatch(o -> o.name().equals(h.name())))
                        t.error("hosts", h.name() + " is listed twice");
                    else hosts.add(h);
                } catch (IllegalArgumentException e) {
                    t.error("hosts", "\"" + entry + "\": " + e.getMessage());
                }
            }
            if (hosts.isEmpty()) t.error("hosts", "needs at least one \"host:port\"");
            return new Backends(List.copyOf(hosts), target, true, failover, replicaLag(t), readSplit(t));
        }
        String host = t.string("host", null);
        if (host == null || host.isBlank()) {
            t.error("host", "is required (or hosts = [\"host:port\", ...])");
            host = "";
        }
        // target on a single host asks for health checks (e.g. "primary": never send writes to a standby).
        return new Backends(
                List.of(new Backends.Host(host, port, 1)),
                target,
                t.has("target"),
                failover,
                replicaLag(t),
                readSplit(t));
    }

    /** read_your_writes (seconds) and read_only_functions of a target = "auto" database. */
    private static Backends.ReadSplit readSplit(TomlTable t) {
        Duration ryw = t.seconds("read_your_writes", Defaults.READ_YOUR_WRITES, 3600);
        List<String> functions = t.stringList("read_only_functions");
        return new Backends.ReadSplit(ryw, List.copyOf(functions));
    }

    /** max_replica_lag_bytes, max_replica_lag_seconds (0 = no limit) and replica_lag_fallback of a database. */
    private static Backends.ReplicaLag replicaLag(TomlTable t) {
        long bytes = t.integer("max_replica_lag_bytes", Defaults.MAX_REPLICA_LAG_BYTES, 0, Long.MAX_VALUE);
        Duration delay = t.seconds("max_replica_lag_seconds", Defaults.MAX_REPLICA_LAG_SECONDS, MAX_SECONDS);
        String fallback = t.string("replica_lag_fallback", Defaults.REPLICA_LAG_FALLBACK);
        if (!fallback.equals("primary") && !fallback.equals("error"))
            t.error("replica_lag_fallback", "must be primary or error (got \"" + fallback + "\")");
        return new Backends.ReplicaLag(bytes, delay, !fallback.equals("error"));
    }

    private static DatabaseConfig database(
            String name, TomlTable t, Path dir, Function<String, String> environment, Backends.Failover failover) {
        int port = (int) t.integer("port", Defaults.DB_PORT, 1, 65535);
        Backends backends = backends(t, port, failover);
        String host = backends.hosts().isEmpty() ? "" : backends.hosts().get(0).host();
        port = backends.hosts().isEmpty() ? port : backends.hosts().get(0).port();
        String dbname = t.string("dbname", name);
        if (name.equals(DatabaseConfig.WILDCARD)) {
            // The client's database name is the server's; one plain host, no health checks (PgBouncer's "*").
            if (!dbname.equals(name)) t.error("dbname", "the wildcard database uses each client's database name");
            if (backends.checked() || backends.hosts().size() > 1)
                t.error("hosts", "the wildcard database takes one host (host/port), without target or health checks");
        }
        String user = t.string("user", null);
        Secret password = secret(t, dir, environment);
        if (password != null && user == null)
            t.error("password", "needs user: a database password is for its forced user");
        Integer poolSize = t.optionalInt("pool_size", 1, 10_000);
        Integer minPoolSize = t.optionalInt("min_pool_size", 0, 10_000);
        Integer maxDb = t.optionalInt("max_db_connections", 0, 100_000);
        Integer maxDbClients = t.optionalInt("max_db_client_connections", 0, 1_000_000);
        boolean required = t.bool("required", false);
        SessionStatePolicy onSessionState = t.has("on_session_state")
                ? SessionStatePolicy.parse(t, "on_session_state", t.string("on_session_state", "detect"))
                : null;
        PoolMode mode = t.has("pool_mode") ? poolMode(t, "pool_mode", t.string("pool_mode", null)) : null;
        t.markSeen("pool_mode");
        Map<String, String> params = t.stringMap("parameters");
        TlsSettings.Server.ServerMode tlsMode = null;
        if (t.has("server_tls_mode")) {
            String m = t.string("server_tls_mode", "disable");
            tlsMode = switch (m) {
                case "disable" -> TlsSettings.Server.ServerMode.DISABLE;
                case "prefer" -> TlsSettings.Server.ServerMode.PREFER;
                case "require" -> TlsSettings.Server.ServerMode.REQUIRE;
                case "verify-ca" -> TlsSettings.Server.ServerMode.VERIFY_CA;
                case "verify-full" -> TlsSettings.Server.ServerMode.VERIFY_FULL;
                default -> {
                    t.error(
                            "server_tls_mode",
                            "must be disable, prefer, require, verify-ca or verify-full (got \"" + m + "\")");
                    yield null;
                }
            };
        }
        t.markSeen("server_tls_mode");
        t.rejectUnknown();
        return new DatabaseConfig(
                name,
                host,
                port,
                dbname,
                user,
                password,
                poolSize,
                minPoolSize,
                maxDb,
                mode,
                Collections.unmodifiableMap(params),
                tlsMode,
                backends,
                maxDbClients,
                required,
                onSessionState);
    }

    private static UserConfig user(String name, TomlTable t, Path dir, Function<String, String> environment) {
        Secret password = secret(t, dir, environment);
        PoolMode mode = t.has("pool_mode") ? poolMode(t, "pool_mode", t.string("pool_mode", null)) : null;
        t.markSeen("pool_mode");
        Integer poolSize = t.optionalInt("pool_size", 1, 10_000);
        Integer maxUser = t.optionalInt("max_user_connections", 0, 100_000);
        Integer maxUserClients = t.optionalInt("max_user_client_connections", 0, 1_000_000);
        String certName = t.string("cert_name", null);
        t.rejectUnknown();
        return new UserConfig(name, password, mode, poolSize, maxUser, certName, maxUserClients);
    }

    /** Exactly one of password, password_env, password_file; the value itself never appears in an error. */
    private static Secret secret(TomlTable t, Path dir, Function<String, String> environment) {
        String value = secretText(t, dir, environment, "password");
        if (value == null) return null;
        Secret s = new Secret(value);
        if (s.kind() == Secret.Kind.SCRAM) {
            try {
                ScramVerifier.parse(value);
            } catch (IllegalArgumentException e) {
                t.error("password", e.getMessage());
            }
        }
        return s;
    }

    /**
     * A secret given exactly one way: {@code key} (inline), {@code key_env} (an environment variable) or
     * {@code key_file} (a file's content, stripped); null when none is given or it is empty (reported).
     */
    static String secretText(TomlTable t, Path dir, Function<String, String> environment, String key) {
        String env = key + "_env";
        String file = key + "_file";
        int sources = (t.has(key) ? 1 : 0) + (t.has(env) ? 1 : 0) + (t.has(file) ? 1 : 0);
        if (sources > 1) t.error(key, "give only one of " + key + ", " + env + ", " + file);
        String value = null;
        if (t.has(key)) {
            value = t.string(key, null);
        } else if (t.has(env)) {
            String var = t.string(env, "");
            value = environment.apply(var);
            if (value == null) t.error(env, "environment variable " + var + " is not set");
        } else if (t.has(file)) {
            Path p = dir.resolve(t.string(file, ""));
            try {
                value = Files.readString(p, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                t.error(file, "cannot read " + p + " (" + e.getClass().getSimpleName() + ")");
            }
        }
        t.markSeen(key);
        t.markSeen(env);
        t.markSeen(file);
        if (value != null && value.isEmpty()) {
            t.error(key, "is empty");
            return null;
        }
        return value;
    }

    private static PoolMode poolMode(TomlTable t, String k, String v) {
        if (v == null) return PoolMode.SESSION;
        PoolMode mode = PoolMode.of(v);
        if (mode == null) t.error(k, "must be \"session\", \"transaction\" or \"statement\" (got \"" + v + "\")");
        return mode == null ? PoolMode.SESSION : mode;
    }

    private static AuthType authType(TomlTable t, String v) {
        return switch (v) {
            case "trust" -> AuthType.TRUST;
            case "md5" -> AuthType.MD5;
            case "scram-sha-256" -> AuthType.SCRAM_SHA_256;
            default -> {
                t.error("auth_type", "must be \"scram-sha-256\", \"md5\" or \"trust\" (got \"" + v + "\")");
                yield AuthType.SCRAM_SHA_256;
            }
        };
    }

    /** "host:port", "[v6]:port" or "*:port"; returns {host, port}. */
    private static String[] hostPort(TomlTable t, String k, String v, boolean allowZero) {
        String host;
        String port;
        if (v.startsWith("[")) {
            int end = v.indexOf("]:");
            if (end < 0) {
                t.error(k, "expected \"[address]:port\" (got \"" + v + "\")");
                return new String[] {"127.0.0.1", "0"};
            }
            host = v.substring(1, end);
            port = v.substring(end + 2);
        } else {
            int colon = v.lastIndexOf(':');
            if (colon <= 0 || v.indexOf(':') != colon) {
                t.error(k, "expected \"host:port\" (got \"" + v + "\")");
                return new String[] {"127.0.0.1", "0"};
            }
            host = v.substring(0, colon);
            port = v.substring(colon + 1);
        }
        if (host.equals("0.0.0.0")) host = "*";
        try {
            int p = Integer.parseInt(port);
            if (p < (allowZero ? 0 : 1) || p > 65535) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            t.error(k, "port must be between 1 and 65535 (got \"" + port + "\")");
            return new String[] {host, "0"};
        }
        return new String[] {host, port};
    }
}
