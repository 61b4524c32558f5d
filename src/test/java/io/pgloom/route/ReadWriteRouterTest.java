// ReadWriteRouter on the message runs clients send: simple queries, pgjdbc's Parse/Bind/Describe/Execute/Sync with
// unnamed and named statements, BEGIN READ ONLY, default_transaction_read_only, and the read-your-writes window.
package io.pgloom.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgloom.config.Backends;
import io.pgloom.route.ReadWriteRouter.Route;
import io.pgloom.testkit.FuzzSeeds;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadWriteRouterTest {
    private static final long SECOND = 1_000_000_000L;
    private final Counter routed =
            Counter.build("routed_test", "t").labelNames("database", "route").register(new CollectorRegistry());

    private ReadWriteRouter router(String readOnlyDefault) {
        return new ReadWriteRouter(
                "db", new Backends.ReadSplit(Duration.ofSeconds(1), List.of()), readOnlyDefault, routed);
    }

    private static byte[] extended(String name, String sql, boolean parse) {
        byte[] p = parse
                ? FuzzSeeds.msg(
                        MessageType.PARSE, w -> w.cstring(name).cstring(sql).int16(0))
                : null;
        byte[] b = FuzzSeeds.msg(
                MessageType.BIND,
                w -> w.cstring("").cstring(name).int16(0).int16(0).int16(0));
        byte[] d = FuzzSeeds.msg(MessageType.DESCRIBE, w -> w.int8('P').cstring(""));
        byte[] e = FuzzSeeds.msg(MessageType.EXECUTE, w -> w.cstring("").int32(0));
        byte[] s = FuzzSeeds.msg(MessageType.SYNC, w -> {});
        return parse ? FuzzSeeds.concat(p, b, d, e, s) : FuzzSeeds.concat(b, d, e, s);
    }

    private static Route route(ReadWriteRouter r, byte[] run, long now) {
        return r.route(run, 0, run.length, now);
    }

    @Test
    void simpleAndExtendedQueries() {
        ReadWriteRouter r = router(null);
        assertEquals(Route.STANDBY, route(r, Messages.query("SELECT 1"), 0));
        assertEquals(Route.STANDBY, route(r, extended("", "SELECT count(*) FROM t WHERE id = $1", true), 0));
        assertEquals(Route.STANDBY, route(r, extended("S_1", "SELECT v FROM t WHERE id = $1", true), 0));
        assertEquals(
                Route.STANDBY, route(r, extended("S_1", null, false), 0), "a named statement, classified at Parse");
        assertEquals(Route.PRIMARY_UNCERTAIN, route(r, extended("S_9", null, false), 0), "a name never parsed");
        assertEquals(Route.PRIMARY_UNCERTAIN, route(r, Messages.query("SELECT nextval('s')"), 5 * SECOND));
        assertEquals(Route.PRIMARY_RECENT_WRITE, route(r, Messages.query("SELECT 1"), 5 * SECOND + SECOND / 2));
        assertEquals(Route.STANDBY, route(r, Messages.query("SELECT 1"), 6 * SECOND + 1));
        assertEquals(Route.PRIMARY_WRITE, route(r, extended("", "INSERT INTO t VALUES ($1)", true), 7 * SECOND));
        assertEquals(Route.PRIMARY_WRITE, route(r, Messages.query("SELECT 1; DELETE FROM t"), 10 * SECOND));
    }

    @Test
    void readOnlyTransactionsAndClients() {
        ReadWriteRouter r = router(null);
        byte[] beginReadOnly =
                FuzzSeeds.concat(extended("", "BEGIN READ ONLY", true), extended("", "SELECT pg_backend_pid()", true));
        assertEquals(Route.STANDBY, route(r, beginReadOnly, 0));
        assertEquals(Route.PRIMARY_UNCERTAIN, route(r, Messages.query("BEGIN"), 10 * SECOND));
        assertEquals(
                Route.PRIMARY_UNCERTAIN,
                route(r, Messages.query("SET default_transaction_read_only = on"), 20 * SECOND));
        assertEquals(Route.STANDBY, route(r, Messages.query("SELECT pg_backend_pid()"), 30 * SECOND));
        assertEquals(Route.STANDBY, route(router("on"), Messages.query("SELECT pg_backend_pid()"), 0), "startup");
    }
}
