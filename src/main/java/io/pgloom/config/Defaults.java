// Every default value in one place; conf/proxy.toml documents the same numbers key by key.
package io.pgloom.config;

final class Defaults {
    private Defaults() {}

    static final String LISTEN = "127.0.0.1:6432";
    static final String POOL_MODE = "session";
    static final String AUTH_TYPE = "scram-sha-256";
    static final long MAX_CLIENT_CONN = 1000;
    static final long DEFAULT_POOL_SIZE = 20;
    static final long MIN_POOL_SIZE = 0;
    static final long RESERVE_POOL_SIZE = 0;
    static final double RESERVE_POOL_TIMEOUT = 5;
    static final long MAX_DB_CONNECTIONS = 0;
    static final long MAX_USER_CONNECTIONS = 0;
    static final double QUERY_WAIT_TIMEOUT = 120;
    static final double QUERY_TIMEOUT = 0;
    static final double SERVER_IDLE_TIMEOUT = 600;
    static final double SERVER_LIFETIME = 3600;
    static final double SERVER_CONNECT_TIMEOUT = 15;
    static final double SERVER_LOGIN_RETRY = 15;
    static final String SERVER_RESET_QUERY = "DISCARD ALL";
    static final boolean SERVER_RESET_QUERY_ALWAYS = false;
    static final double SERVER_CHECK_DELAY = 30;
    static final String SERVER_CHECK_QUERY = "SELECT 1";
    static final double SHUTDOWN_TIMEOUT = 30;
    static final double CLIENT_LOGIN_TIMEOUT = 60;
    static final double CLIENT_IDLE_TIMEOUT = 0;
    static final double IDLE_TRANSACTION_TIMEOUT = 0;
    static final double TRANSACTION_TIMEOUT = 0;
    static final long MAX_PACKET_SIZE = 16 * 1024 * 1024;
    static final long MAX_PREPARED_STATEMENTS = 200;
    static final boolean APPLICATION_NAME_ADD_HOST = false;
    static final boolean TCP_KEEPALIVE = true;
    static final long TCP_KEEPIDLE = 0;
    static final long TCP_KEEPINTVL = 0;
    static final long TCP_KEEPCNT = 0;
    static final boolean SO_REUSEPORT = false;
    static final long FLIGHT_RECORDER_SIZE = 32;
    static final double AUTH_FAILURE_DELAY = 0.5;
    static final int LDAP_TIMEOUT = 5;
    static final double AUTODB_IDLE_TIMEOUT = 3600;
    static final long MAX_AUTO_DATABASES = 100;
    static final String UNIX_SOCKET_MODE = "0777";
    static final String AUTH_QUERY = "SELECT usename, passwd FROM pg_shadow WHERE usename = $1";
    static final double AUTH_QUERY_CACHE_TTL = 60;
    static final long MAX_CLIENT_CONN_PER_ADDRESS = 0;
    /** Live heap after GC, as a share of the maximum heap, from which new clients are refused. */
    static final double NEW_CLIENT_HEAP_LIMIT = 0.9;
    /** Microseconds a session polls its socket before parking a read (ReadSpin), while the proxy is not busy. */
    static final long READ_SPIN_US = 60;

    // [trace]
    static final String TRACE_FILE = "pgloom-trace.log";
    static final String TRACE_PCAP_FILE = "";
    static final long TRACE_MAX_FILE_BYTES = 100L * 1024 * 1024;
    static final long TRACE_KEEP_FILES = 3;
    static final double TRACE_DEFAULT_DURATION = 300;
    static final double TRACE_MAX_DURATION = 3600;
    static final long TRACE_QUEUE_SIZE = 10_000;
    static final boolean TRACE_VALUES = false;
    // [failover] and [databases.NAME] target
    static final double HEALTH_CHECK_PERIOD = 2;
    static final double HEALTH_CHECK_TIMEOUT = 2;
    static final long FAILOVER_THRESHOLD = 3;
    static final long RECOVERY_THRESHOLD = 2;
    static final double DRAIN_TIMEOUT = 30;
    static final String TARGET = "primary";
    static final long MAX_REPLICA_LAG_BYTES = 0;
    static final double MAX_REPLICA_LAG_SECONDS = 0;
    static final String REPLICA_LAG_FALLBACK = "primary";
    static final double READ_YOUR_WRITES = 1;

    static final String HTTP_LISTEN = "127.0.0.1:9930";
    static final boolean LIVE_PAGE = true;
    static final String LOG_LEVEL = "info";
    static final String LOG_FORMAT = "text";
    static final long DB_PORT = 5432;
}
