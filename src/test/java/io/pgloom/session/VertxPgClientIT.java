// The Vert.x reactive PostgreSQL client through pgloom in transaction mode, as its users run it: prepared-statement
// cache on (smaller than the statements used, so it closes what it evicts), pipelining (many requests in flight on
// one connection), batches, transactions, cursors; 20 connections over 2 servers, every result checked.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.ProxyHarness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VertxPgClientIT {
    private static final int SERVERS = DriverTestbed.SERVERS;
    private static final int CLIENTS = DriverTestbed.CLIENTS;
    static ProxyHarness proxy;
    static Vertx vertx;

    @BeforeAll
    static void start() throws Exception {
        proxy = DriverTestbed.start();
        DriverTestbed.freshTable("vertx_t");
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        if (vertx != null) await(vertx.close());
        if (proxy != null) proxy.close();
    }

    private static PgConnectOptions options() {
        return new PgConnectOptions()
                .setHost("127.0.0.1")
                .setPort(proxy.port())
                .setDatabase("app")
                .setUser("app")
                .setPassword("app")
                .setCachePreparedStatements(true)
                .setPreparedStatementCacheMaxSize(4)
                .setPipeliningLimit(16);
    }

    private static <T> T await(Future<T> f) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            throw e;
        }
    }

    @Test
    void pipelinedPreparedStatementsOnManyConnections() throws Exception {
        List<PgConnection> conns = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) conns.add(await(PgConnection.connect(vertx, options())));
            // Every connection has 40 requests in flight at once over 8 statements (cache of 4).
            List<Future<RowSet<Row>>> all = new ArrayList<>();
            List<int[]> expect = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                for (int k = 0; k < 40; k++) {
                    int s = k % 8;
                    all.add(conns.get(c)
                            .preparedQuery("SELECT $1::int + " + s + ", $2::text")
                            .execute(Tuple.of(c * 1000 + k, "c" + c)));
                    expect.add(new int[] {c, c * 1000 + k + s});
                }
            }
            for (int i = 0; i < all.size(); i++) {
                Row row = await(all.get(i)).iterator().next();
                assertEquals(expect.get(i)[1], row.getInteger(0), "request " + i);
                assertEquals("c" + expect.get(i)[0], row.getString(1));
            }
            // An error in the middle of pipelined requests fails only that request.
            Future<RowSet<Row>> before =
                    conns.get(0).preparedQuery("SELECT $1::int").execute(Tuple.of(1));
            Future<RowSet<Row>> bad =
                    conns.get(0).preparedQuery("SELECT 1 / $1::int").execute(Tuple.of(0));
            Future<RowSet<Row>> after =
                    conns.get(0).preparedQuery("SELECT $1::int").execute(Tuple.of(3));
            assertEquals(1, await(before).iterator().next().getInteger(0));
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> await(bad));
            assertEquals("22012", assertInstanceOf(PgException.class, e).getSqlState());
            assertEquals(3, await(after).iterator().next().getInteger(0));
        } finally {
            for (PgConnection c : conns) await(c.close());
        }
    }

    @Test
    void batchesAndTransactions() throws Exception {
        List<Future<Void>> clients = new ArrayList<>();
        List<PgConnection> conns = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) conns.add(await(PgConnection.connect(vertx, options())));
        try {
            for (int i = 0; i < CLIENTS; i++) {
                int id = i;
                PgConnection conn = conns.get(i);
                List<Tuple> rows = new ArrayList<>();
                for (int n = 0; n < 25; n++) rows.add(Tuple.of(id, n, "batch-" + n));
                clients.add(conn.begin()
                        .compose(tx -> conn.preparedQuery("INSERT INTO vertx_t VALUES ($1, $2, $3)")
                                .executeBatch(rows)
                                .compose(r -> conn.preparedQuery("SELECT count(*) FROM vertx_t WHERE client = $1")
                                        .execute(Tuple.of(id)))
                                .map(r -> {
                                    assertEquals(
                                            25L,
                                            r.iterator().next().getLong(0),
                                            "client " + id + " sees its uncommitted batch");
                                    return r;
                                })
                                .compose(r -> tx.commit()))
                        .compose(v -> conn.begin())
                        .compose(tx -> conn.preparedQuery("INSERT INTO vertx_t VALUES ($1, 99, 'rolled back')")
                                .execute(Tuple.of(id))
                                .compose(r -> tx.rollback()))
                        .compose(v -> conn.preparedQuery("SELECT count(*), sum(n) FROM vertx_t WHERE client = $1")
                                .execute(Tuple.of(id)))
                        .map(r -> {
                            Row row = r.iterator().next();
                            assertEquals(25L, row.getLong(0), "client " + id + " after commit and rollback");
                            assertEquals(300L, row.getLong(1));
                            return null;
                        }));
            }
            for (Future<Void> f : clients) await(f);
        } finally {
            for (PgConnection c : conns) await(c.close());
        }
    }

    @Test
    void cursorsInsideTransactions() throws Exception {
        PgConnection conn = await(PgConnection.connect(vertx, options()));
        try {
            for (int round = 0; round < 3; round++) {
                int r = round;
                int total = await(conn.begin()
                        .compose(tx -> conn.prepare("SELECT g, $1::int * g FROM generate_series(1, 50) g")
                                .compose(ps -> {
                                    var cursor = ps.cursor(Tuple.of(r + 2));
                                    List<Integer> seen = new ArrayList<>();
                                    return readAll(cursor, seen)
                                            .map(v -> {
                                                for (int i = 0; i < seen.size(); i++)
                                                    assertEquals((r + 2) * (i + 1), seen.get(i));
                                                return seen.size();
                                            })
                                            .compose(n -> ps.close().map(n));
                                })
                                .compose(n -> tx.commit().map(n))));
                assertEquals(50, total, "round " + round);
            }
        } finally {
            await(conn.close());
        }
    }

    /** Reads a cursor to its end, 6 rows per round trip (a portal suspended in between). */
    private static Future<Void> readAll(io.vertx.sqlclient.Cursor cursor, List<Integer> seen) {
        return cursor.read(6).compose(rows -> {
            rows.forEach(row -> seen.add(row.getInteger(1)));
            return cursor.hasMore() ? readAll(cursor, seen) : cursor.close();
        });
    }

    @Test
    void pipelinedPooledClient() throws Exception {
        // PgBuilder.client(): requests are pipelined over the pool's connections.
        SqlClient client = io.vertx.pgclient.PgBuilder.client()
                .with(new PoolOptions().setMaxSize(CLIENTS))
                .connectingTo(options())
                .using(vertx)
                .build();
        try {
            List<Future<RowSet<Row>>> fs = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                fs.add(client.preparedQuery("SELECT $1::int * " + (1 + i % 6) + ", pg_backend_pid()")
                        .execute(Tuple.of(i)));
            }
            java.util.Set<Integer> pids = new java.util.HashSet<>();
            for (int i = 0; i < fs.size(); i++) {
                Row row = await(fs.get(i)).iterator().next();
                assertEquals(i * (1 + i % 6), row.getInteger(0), "request " + i);
                pids.add(row.getInteger(1));
            }
            assertTrue(pids.size() <= SERVERS, "served by pgloom's " + SERVERS + " servers: " + pids);
        } finally {
            await(client.close());
        }
    }
}
