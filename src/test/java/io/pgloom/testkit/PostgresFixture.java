// A real PostgreSQL for integration tests: the binaries from Maven Central started by the fixture itself (as the
// unprivileged user `nobody` when the tests run as root, since PostgreSQL refuses root), with fixed roles, one
// per authentication method. The major version follows -Dpg.version (the pom picks the matching binaries).
package io.pgloom.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

public final class PostgresFixture implements AutoCloseable {
    public static final String SUPERUSER = "postgres", SUPERPASS = "postgres";
    public static final String SCRAM_USER = "scram_user", SCRAM_PASS = "scram_pw";
    public static final String MD5_USER = "md5_user", MD5_PASS = "md5_pw";
    public static final String PLAIN_USER = "plain_user", PLAIN_PASS = "plain_pw";
    public static final String TRUST_USER = "trust_user";
    public static final String APP_USER = "app", APP_PASS = "app";

    private static PostgresFixture shared;

    private final Path bin;
    private final Path dataDir;
    private final Path socketDir;
    private final int port;
    private final boolean asNobody;
    private Process postmaster;
    private int majorVersion;
    /** Set when PostgreSQL runs in a container (Docker engine present) instead of from the binaries. */
    private org.testcontainers.postgresql.PostgreSQLContainer container;

    private PostgresFixture(Path home, Path dataDir, Path socketDir, int port, boolean asNobody) {
        this.bin = home == null ? null : home.resolve("bin");
        this.dataDir = dataDir;
        this.socketDir = socketDir;
        this.port = port;
        this.asNobody = asNobody;
    }

    /** One instance per JVM, started on first use and stopped when the JVM exits. */
    public static synchronized PostgresFixture shared() {
        if (shared == null) {
            shared = startNew();
            PostgresFixture s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        }
        return shared;
    }

    /** A separate instance (failover tests need several); the caller closes it. */
    public static PostgresFixture startNew() {
        return startNew(null, null);
    }

    /**
     * A separate instance with TLS on (ssl = on) using this certificate chain and PKCS#8 key (binaries path only).
     */
    public static PostgresFixture startNewWithTls(Path certPem, Path keyPem) {
        return startNew(certPem, keyPem);
    }

    /** A separate instance always from the binaries (never a container): standbys need its data folder. */
    public static PostgresFixture startNewFromBinaries() {
        return startNew(null, null, true);
    }

    /**
     * A separate instance from another PostgreSQL installation ({@code home} holds bin/initdb and bin/postgres, e.g.
     * /usr/lib/postgresql/15 beside the machine's own client tools); the caller closes it.
     */
    public static PostgresFixture startNewFromBinaries(Path home) {
        return startNew(null, null, home);
    }

    /**
     * A separate PostgreSQL 18 instance whatever the suite's version (the pom copies those binaries to the path in
     * system property pg18.binaries before the integration tests); the caller closes it.
     */
    public static PostgresFixture startNewPg18() {
        String jar = System.getProperty("pg18.binaries");
        if (jar == null) throw new IllegalStateException("system property pg18.binaries is not set (see pom.xml)");
        try {
            return startNew(null, null, PgBinaries.home(Path.of(jar)));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("could not unpack PostgreSQL 18: " + e.getMessage(), e);
        }
    }

    private static PostgresFixture startNew(Path certPem, Path keyPem) {
        return startNew(certPem, keyPem, false);
    }

    private static PostgresFixture startNew(Path certPem, Path keyPem, boolean binaries) {
        if (certPem == null && !binaries && ContainerPostgres.dockerAvailable()) return startContainer();
        try {
            return startNew(certPem, keyPem, PgBinaries.home());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("could not start the test PostgreSQL: " + e.getMessage(), e);
        }
    }

    private static PostgresFixture startNew(Path certPem, Path keyPem, Path home) {
        try {
            boolean root = "0".equals(run(List.of("id", "-u")).trim());
            Path base = Files.createTempDirectory("pgloom-pgdata-");
            Path data = base.resolve("data");
            Path sock = base.resolve("sock");
            Files.createDirectories(sock);
            if (root) PgBinaries.run("chown", "-R", "65534:65534", base.toString());
            PostgresFixture f = new PostgresFixture(home, data, sock, freePort(), root);
            f.initdb();
            if (certPem != null) f.enableTls(certPem, keyPem);
            f.start();
            f.createRoles();
            return f;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the test PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** PostgreSQL in the official image, same roles and pg_hba rules. */
    private static PostgresFixture startContainer() {
        try {
            int version = Integer.getInteger("pg.version", 17);
            PostgresFixture f = new PostgresFixture(null, null, null, freePort(), false);
            f.container = ContainerPostgres.start(version, f.port, hbaRules());
            f.waitReady(null);
            f.createRoles();
            return f;
        } catch (Exception e) {
            throw new IllegalStateException("could not start PostgreSQL in a container: " + e.getMessage(), e);
        }
    }

    private static String hbaRules() {
        StringBuilder hba = new StringBuilder("local all all trust\n");
        String[][] rules = {{TRUST_USER, "trust"}, {MD5_USER, "md5"}, {PLAIN_USER, "password"}, {"all", "scram-sha-256"}
        };
        for (String[] r : rules) {
            hba.append("host all ")
                    .append(r[0])
                    .append(" 0.0.0.0/0 ")
                    .append(r[1])
                    .append('\n');
            hba.append("host all ").append(r[0]).append(" ::/0 ").append(r[1]).append('\n');
        }
        return hba.toString();
    }

    private List<String> asUser(String... cmd) {
        List<String> c = new ArrayList<>();
        if (asNobody) c.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
        c.addAll(List.of(cmd));
        return c;
    }

    private void initdb() throws IOException, InterruptedException {
        Path pw = dataDir.getParent().resolve("pw");
        Files.writeString(pw, SUPERPASS + "\n");
        if (asNobody) PgBinaries.run("chown", "65534:65534", pw.toString());
        run(asUser(
                bin.resolve("initdb").toString(),
                "-D",
                dataDir.toString(),
                "-U",
                SUPERUSER,
                "--pwfile=" + pw,
                "-E",
                "UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync"));
        Files.delete(pw);
        String conf = """

                # pgloom test fixture
                listen_addresses = '%s'
                port = %d
                unix_socket_directories = '%s'
                max_connections = 300
                shared_buffers = 32MB
                fsync = off
                synchronous_commit = off
                full_page_writes = off
                logging_collector = off
                log_min_messages = warning
                """.formatted(ipv6Available() ? "127.0.0.1,::1" : "127.0.0.1", port, socketDir);
        Files.writeString(dataDir.resolve("postgresql.conf"), conf, java.nio.file.StandardOpenOption.APPEND);
        StringBuilder hba = new StringBuilder("local all all trust\n");
        String[][] rules = {{TRUST_USER, "trust"}, {MD5_USER, "md5"}, {PLAIN_USER, "password"}, {"all", "scram-sha-256"}
        };
        for (String[] r : rules) {
            hba.append("host all ")
                    .append(r[0])
                    .append(" 127.0.0.1/32 ")
                    .append(r[1])
                    .append('\n');
            hba.append("host all ")
                    .append(r[0])
                    .append(" ::1/128 ")
                    .append(r[1])
                    .append('\n');
        }
        Files.writeString(dataDir.resolve("pg_hba.conf"), hba.toString());
    }

    /**
     * A streaming hot standby of this instance (binaries only), started on a new port. Made the way a base backup
     * is made by hand, without pg_basebackup (the binaries do not ship it): pg_backup_start, a copy of the running
     * data folder, pg_backup_stop's backup_label, then standby.signal and primary_conninfo. The caller closes it.
     */
    public PostgresFixture startStandby() {
        if (container != null)
            throw new UnsupportedOperationException("standbys need the binaries fixture (startNewFromBinaries)");
        try {
            allowReplication();
            Path base = Files.createTempDirectory("pgloom-pgstandby-");
            Path data = base.resolve("data");
            Path sock = base.resolve("sock");
            Files.createDirectories(sock);
            String label;
            try (Connection c = superuser();
                    Statement st = c.createStatement()) {
                boolean v15 = majorVersion >= 15;
                st.execute(
                        v15
                                ? "SELECT pg_backup_start('pgloom-standby', true)"
                                : "SELECT pg_start_backup('pgloom-standby', true, false)");
                DataDirCopy.copy(dataDir, data);
                try (ResultSet rs = st.executeQuery(
                        v15
                                ? "SELECT labelfile FROM pg_backup_stop(false)"
                                : "SELECT labelfile FROM pg_stop_backup(false, false)")) {
                    rs.next();
                    label = rs.getString(1);
                }
            }
            Files.writeString(data.resolve("backup_label"), label);
            Files.writeString(data.resolve("standby.signal"), "");
            int standbyPort = freePort();
            String conf = "\n# pgloom test fixture: streaming standby\nport = " + standbyPort
                    + "\nunix_socket_directories = '" + sock
                    + "'\nhot_standby = on\nprimary_conninfo = 'host=127.0.0.1 port=" + port + " user=" + SUPERUSER
                    + " password="
                    + SUPERPASS + " application_name=standby_" + standbyPort + "'\n";
            Files.writeString(data.resolve("postgresql.conf"), conf, java.nio.file.StandardOpenOption.APPEND);
            if (asNobody) PgBinaries.run("chown", "-R", "65534:65534", base.toString());
            PostgresFixture standby = new PostgresFixture(bin.getParent(), data, sock, standbyPort, asNobody);
            standby.start();
            return standby;
        } catch (IOException | InterruptedException | SQLException e) {
            throw new IllegalStateException("could not start a standby: " + e.getMessage(), e);
        }
    }

    /**
     * A copy of this instance's data folder made elsewhere (a base backup: pg_basebackup's output), started with
     * this instance's binaries on a new port, as the same user; the caller closes it. The folder is taken over.
     */
    public PostgresFixture startCopy(Path data) {
        if (container != null) throw new UnsupportedOperationException("copies need the binaries fixture");
        try {
            Path base = Files.createTempDirectory("pgloom-pgcopy-");
            Path moved = base.resolve("data");
            PgBinaries.run("mv", data.toString(), moved.toString());
            Path sock = base.resolve("sock");
            Files.createDirectories(sock);
            int copyPort = freePort();
            Files.writeString(
                    moved.resolve("postgresql.conf"),
                    "\n# pgloom test fixture: copy\nport = " + copyPort + "\nunix_socket_directories = '" + sock
                            + "'\n",
                    java.nio.file.StandardOpenOption.APPEND);
            if (asNobody) PgBinaries.run("chown", "-R", "65534:65534", base.toString());
            PgBinaries.run("chmod", "700", moved.toString());
            PostgresFixture copy = new PostgresFixture(bin.getParent(), moved, sock, copyPort, asNobody);
            copy.start();
            return copy;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("could not start a copy: " + e.getMessage(), e);
        }
    }

    /** Adds lines to postgresql.conf and restarts (settings such as wal_level take effect only at a start). */
    public void restartWith(String confLines) throws IOException {
        if (container != null) throw new UnsupportedOperationException("restartWith needs the binaries fixture");
        Files.writeString(
                dataDir.resolve("postgresql.conf"), "\n" + confLines + "\n", java.nio.file.StandardOpenOption.APPEND);
        stop();
        start();
    }

    /** pg_hba lets the superuser stream WAL from this instance (a standby's primary_conninfo logs in so). */
    public void allowReplication() throws IOException, SQLException {
        Path hba = dataDir.resolve("pg_hba.conf");
        if (Files.readString(hba).contains(" replication ")) return;
        Files.writeString(
                hba,
                "host replication " + SUPERUSER + " 127.0.0.1/32 scram-sha-256\n",
                java.nio.file.StandardOpenOption.APPEND);
        try (Connection c = superuser();
                Statement st = c.createStatement()) {
            st.execute("SELECT pg_reload_conf()");
        }
    }

    /** Promotes a standby (as Patroni or an operator would); returns once it accepts writes. */
    public void promote() throws SQLException {
        try (Connection c = superuser();
                Statement st = c.createStatement()) {
            st.execute("SELECT pg_promote(true, 60)");
        }
    }

    /** pg_is_in_recovery(): true on a standby. */
    public boolean inRecovery() throws SQLException {
        try (Connection c = superuser();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private void enableTls(Path certPem, Path keyPem) throws IOException, InterruptedException {
        Path crt = dataDir.resolve("server.crt");
        Path key = dataDir.resolve("server.key");
        Files.copy(certPem, crt);
        Files.copy(keyPem, key);
        if (asNobody) PgBinaries.run("chown", "65534:65534", crt.toString(), key.toString());
        PgBinaries.run("chmod", "600", key.toString());
        Files.writeString(
                dataDir.resolve("postgresql.conf"),
                "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
                java.nio.file.StandardOpenOption.APPEND);
    }

    /** Starts the postmaster on the same data folder and port, waiting (bounded) until it accepts logins. */
    public synchronized void start() {
        if (isRunning()) return;
        try {
            if (container != null) {
                ContainerPostgres.restart(container);
                waitReady(null);
                return;
            }
            Path log = dataDir.getParent().resolve("postgres.log");
            postmaster = new ProcessBuilder(asUser(bin.resolve("postgres").toString(), "-D", dataDir.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            waitReady(log);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("could not start PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** Waits (60 s at most) until a superuser login works; reads the server's major version. */
    private void waitReady(Path log) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Connection c = superuser()) {
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SHOW server_version_num")) {
                    rs.next();
                    majorVersion = rs.getInt(1) / 10000;
                }
                return;
            } catch (SQLException e) {
                boolean dead = postmaster != null && !postmaster.isAlive();
                if (dead || System.nanoTime() > deadline) {
                    throw new IllegalStateException("PostgreSQL did not start"
                            + (log == null ? ": " + e.getMessage() : "; last lines of " + log + ":\n" + tail(log)));
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
    }

    private void createRoles() throws SQLException {
        try (Connection c = superuser();
                Statement st = c.createStatement()) {
            st.execute("SET password_encryption = 'md5'");
            st.execute("CREATE ROLE " + MD5_USER + " LOGIN PASSWORD '" + MD5_PASS + "'");
            st.execute("SET password_encryption = 'scram-sha-256'");
            st.execute("CREATE ROLE " + SCRAM_USER + " LOGIN PASSWORD '" + SCRAM_PASS + "'");
            st.execute("CREATE ROLE " + PLAIN_USER + " LOGIN PASSWORD '" + PLAIN_PASS + "'");
            st.execute("CREATE ROLE " + TRUST_USER + " LOGIN");
            st.execute("CREATE ROLE " + APP_USER + " LOGIN PASSWORD '" + APP_PASS + "'");
            st.execute("CREATE DATABASE app OWNER " + APP_USER);
        }
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public int majorVersion() {
        return majorVersion;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public Connection superuser() throws SQLException {
        return connect("postgres", SUPERUSER, SUPERPASS);
    }

    public Connection connect(String database, String user, String password) throws SQLException {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", user);
        if (password != null) p.setProperty("password", password);
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(jdbcUrl(database), p);
    }

    public synchronized boolean isRunning() {
        if (container != null) return ContainerPostgres.running(container);
        return postmaster != null && postmaster.isAlive();
    }

    /** Fast shutdown (SIGINT): active sessions are ended, unlike SIGTERM's smart shutdown that waits for them. */
    public synchronized void stop() {
        signal("INT");
    }

    /** Immediate shutdown (SIGQUIT): like a crash, with recovery at the next start. */
    public synchronized void crash() {
        signal("QUIT");
    }

    private void signal(String sig) {
        if (!isRunning()) return;
        if (container != null) {
            ContainerPostgres.stop(container, "SIG" + sig);
            return;
        }
        try {
            PgBinaries.run("kill", "-" + sig, Long.toString(postmaster.pid()));
            if (!postmaster.waitFor(60, TimeUnit.SECONDS)) {
                postmaster.destroyForcibly();
                postmaster.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException | InterruptedException e) {
            postmaster.destroyForcibly();
        }
    }

    @Override
    public synchronized void close() {
        if (container != null) {
            container.stop();
            return;
        }
        stop();
        try {
            PgBinaries.run("rm", "-rf", dataDir.getParent().toString());
        } catch (IOException | InterruptedException ignored) {
            // temp folder; nothing else to do
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static boolean ipv6Available() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("::1", 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    static boolean reachable(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
