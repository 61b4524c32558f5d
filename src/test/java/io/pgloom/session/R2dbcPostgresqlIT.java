// r2dbc-postgresql through pgloom in transaction mode, as its users run it: its prepared-statement cache on (smaller
// than the statements used), bound statements with several bindings, transactions that commit and roll back, a
// fetch size inside a transaction (portals), startup options; 20 connections over 2 servers, every result checked.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgloom.testkit.ProxyHarness;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.R2dbcException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

class R2dbcPostgresqlIT {
    private static final int CLIENTS = DriverTestbed.CLIENTS;
    private static final Duration WAIT = Duration.ofSeconds(60);
    static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        proxy = DriverTestbed.start();
        DriverTestbed.freshTable("r2dbc_t");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    private static PostgresqlConnection connect(int id) {
        PostgresqlConnectionConfiguration cfg = PostgresqlConnectionConfiguration.builder()
                .host("127.0.0.1")
                .port(proxy.port())
                .database("app")
                .username("app")
                .password("app")
                .connectTimeout(Duration.ofSeconds(20))
                .preparedStatementCacheQueries(4)
                .applicationName("r2dbc-" + id)
                .options(Map.of("TimeZone", "Pacific/Auckland"))
                .build();
        return new PostgresqlConnectionFactory(cfg).create().block(WAIT);
    }

    private static List<Integer> ints(PostgresqlConnection c, String sql, Object... binds) {
        var st = c.createStatement(sql);
        for (int i = 0; i < binds.length; i++) st.bind(i, binds[i]);
        return st.execute()
                .flatMap(r -> r.map((row, md) -> row.get(0, Integer.class)))
                .collectList()
                .block(WAIT);
    }

    private static long count(PostgresqlConnection c, int client) {
        return c.createStatement("SELECT count(*) FROM r2dbc_t WHERE client = $1")
                .bind(0, client)
                .execute()
                .flatMap(r -> r.map((row, md) -> row.get(0, Long.class)))
                .blockLast(WAIT);
    }

    @Test
    void manyConnectionsWithStatementCaches() throws Exception {
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int id = i;
                fs.add(ex.submit(() -> {
                    PostgresqlConnection c = connect(id);
                    try {
                        client(c, id);
                    } finally {
                        c.close().block(WAIT);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get(120, TimeUnit.SECONDS);
        }
    }

    private static void client(PostgresqlConnection c, int id) {
        // Eight statements through a cache of four, three rounds.
        for (int round = 0; round < 3; round++) {
            for (int s = 0; s < 8; s++) {
                assertEquals(List.of(id * 100 + round + s), ints(c, "SELECT $1::int + " + s, id * 100 + round));
            }
        }
        // One statement, many bindings: executed back to back.
        var ins = c.createStatement("INSERT INTO r2dbc_t VALUES ($1, $2, $3)");
        for (int n = 0; n < 20; n++) {
            if (n > 0) ins.add();
            ins.bind(0, id).bind(1, n).bind(2, "bound-" + n);
        }
        assertEquals(
                20L,
                ins.execute()
                        .flatMap(r -> r.getRowsUpdated())
                        .reduce(0L, Long::sum)
                        .block(WAIT));
        // A transaction that commits, one that rolls back, one that fails.
        c.beginTransaction().block(WAIT);
        ints(c, "INSERT INTO r2dbc_t VALUES ($1, 100, 'tx') RETURNING n", id);
        assertEquals(21L, count(c, id), "client " + id + " sees its uncommitted row");
        c.commitTransaction().block(WAIT);
        c.beginTransaction().block(WAIT);
        ints(c, "INSERT INTO r2dbc_t VALUES ($1, 101, 'rolled back') RETURNING n", id);
        c.rollbackTransaction().block(WAIT);
        c.beginTransaction().block(WAIT);
        R2dbcException e = assertThrows(R2dbcException.class, () -> ints(c, "SELECT 1 / $1::int", 0));
        assertEquals("22012", e.getSqlState());
        c.rollbackTransaction().block(WAIT);
        assertEquals(21L, count(c, id), "client " + id + " after commit, rollback and failure");
        // A fetch size inside a transaction reads the result through a portal, a few rows at a time.
        c.beginTransaction().block(WAIT);
        List<Integer> rows = Flux.from(c.createStatement("SELECT n FROM r2dbc_t WHERE client = $1 ORDER BY n")
                        .bind(0, id)
                        .fetchSize(3)
                        .execute())
                .flatMap(r -> r.map((row, md) -> row.get(0, Integer.class)))
                .collectList()
                .block(WAIT);
        c.commitTransaction().block(WAIT);
        assertEquals(21, rows.size());
        assertEquals(100, rows.get(20));
        // Startup settings hold on whichever server this connection lands on.
        var settings = c.createStatement("SELECT current_setting('application_name'), current_setting('TimeZone')")
                .execute()
                .flatMap(r -> r.map((row, md) -> row.get(0, String.class) + "|" + row.get(1, String.class)))
                .blockLast(WAIT);
        assertEquals("r2dbc-" + id + "|Pacific/Auckland", settings);
    }
}
