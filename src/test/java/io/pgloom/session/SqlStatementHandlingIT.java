// SQL-level statement and settings handling in transaction mode, message by message: DEALLOCATE [PREPARE] name|ALL
// (simple and extended protocol, quoted names, errors, failed transactions, pipelines), DISCARD ALL and RESET ALL,
// compared with what PostgreSQL itself answers the same client; and the server is free for others afterwards.
package io.pgloom.session;

import static io.pgloom.testkit.WireClient.bind;
import static io.pgloom.testkit.WireClient.describePortal;
import static io.pgloom.testkit.WireClient.execute;
import static io.pgloom.testkit.WireClient.parse;
import static io.pgloom.testkit.WireClient.query;
import static io.pgloom.testkit.WireClient.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.WireClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SqlStatementHandlingIT {
    static PostgresFixture pg;
    static ProxyHarness proxy;

    @BeforeAll
    static void start() {
        pg = PostgresFixture.shared();
        // One server: every client shares it, so a statement left outstanding would block the next client.
        proxy = ProxyHarness.start(
                pg,
                "transaction",
                "auth_type = \"trust\"\ndefault_pool_size = 1\n"
                        + "max_prepared_statements = 5\nquery_wait_timeout = 10",
                "");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    private static WireClient viaPgloom(String... settings) throws IOException {
        return WireClient.connect(proxy.port(), "app", "app", settings);
    }

    private static WireClient direct(String... settings) throws IOException {
        return WireClient.connect(pg.port(), PostgresFixture.TRUST_USER, "app", settings);
    }

    /** One exchange: frames sent together, then as many ReadyForQuery-terminated replies as they ask for. */
    private record Step(int readies, byte[]... frames) {
        static Step of(byte[]... frames) {
            return new Step(1, frames);
        }
    }

    /** The replies pgloom gives must be the replies PostgreSQL gives, step by step. */
    private static void sameAsPostgres(Step... steps) throws IOException {
        List<List<String>> want = run(direct(), steps);
        List<List<String>> got = run(viaPgloom(), steps);
        for (int i = 0; i < steps.length; i++) assertEquals(want.get(i), got.get(i), "step " + (i + 1));
    }

    private static List<List<String>> run(WireClient c, Step... steps) throws IOException {
        List<List<String>> replies = new ArrayList<>();
        try (c) {
            for (Step s : steps) {
                c.send(s.frames());
                List<String> r = new ArrayList<>();
                for (int i = 0; i < s.readies(); i++) r.addAll(c.untilReady());
                replies.add(r);
            }
        }
        return replies;
    }

    private static Step prepare(String name, String sql) {
        return Step.of(parse(name, sql), sync());
    }

    private static Step run(String statement) {
        return Step.of(bind("", statement), execute(""), sync());
    }

    @Test
    void deallocateByNameThenTheStatementIsGone() throws Exception {
        sameAsPostgres(prepare("Foo", "SELECT 1"), run("Foo"), Step.of(query("DEALLOCATE \"Foo\"")), run("Foo"));
    }

    @Test
    void unquotedNamesFoldToLowerCaseQuotedOnesDoNot() throws Exception {
        sameAsPostgres(
                prepare("foo", "SELECT 2"),
                Step.of(query("DEALLOCATE FOO")),
                run("foo"),
                prepare("Bar", "SELECT 3"),
                Step.of(query("deallocate Bar")),
                run("Bar"),
                Step.of(query("DEALLOCATE \"Bar\";")),
                run("Bar"),
                prepare("we\"ird", "SELECT 4"),
                Step.of(query("/* evict */ DEALLOCATE PREPARE \"we\"\"ird\"")),
                run("we\"ird"));
    }

    @Test
    void deallocateAllAndUnknownNames() throws Exception {
        sameAsPostgres(
                prepare("a", "SELECT 5"),
                prepare("b", "SELECT 6"),
                Step.of(query("DEALLOCATE PREPARE a")),
                run("b"),
                Step.of(query("DEALLOCATE no_such_statement")),
                Step.of(query("deallocate all")),
                run("a"),
                run("b"),
                Step.of(query("DEALLOCATE b")),
                prepare("a", "SELECT 7"),
                run("a"));
    }

    @Test
    void insideTransactionsAndInFailedOnes() throws Exception {
        sameAsPostgres(
                prepare("t", "SELECT 8"),
                Step.of(query("BEGIN")),
                Step.of(query("DEALLOCATE t")),
                run("t"),
                Step.of(query("ROLLBACK")),
                run("t"),
                prepare("t2", "SELECT 9"),
                Step.of(query("BEGIN")),
                Step.of(query("SELECT 1/0")),
                Step.of(query("DEALLOCATE t2")),
                Step.of(query("ROLLBACK")),
                run("t2"));
    }

    @Test
    void deallocateThroughTheExtendedProtocol() throws Exception {
        // psycopg 3.1 sends its evictions this way: an unnamed statement whose text is the DEALLOCATE.
        Step dealloc = Step.of(parse("", "DEALLOCATE x"), bind("", ""), describePortal(""), execute(""), sync());
        sameAsPostgres(
                prepare("x", "SELECT 10"),
                dealloc,
                run("x"),
                dealloc,
                prepare("y", "SELECT 11"),
                Step.of(parse("", "DEALLOCATE ALL"), bind("", ""), execute(""), sync()),
                run("y"));
    }

    @Test
    void pipelinedWithOtherWork() throws Exception {
        sameAsPostgres(
                prepare("p", "SELECT 12"),
                new Step(
                        3,
                        query("DEALLOCATE p"),
                        query("SELECT 13"),
                        parse("p", "SELECT 14"),
                        bind("", "p"),
                        execute(""),
                        sync()),
                new Step(
                        2,
                        parse("q", "SELECT 15"),
                        parse("", "DEALLOCATE q"),
                        bind("", ""),
                        execute(""),
                        sync(),
                        bind("", "q"),
                        execute(""),
                        sync()),
                run("p"));
    }

    @Test
    void discardAllDropsTheClientsStatements() throws Exception {
        sameAsPostgres(
                prepare("d", "SELECT 16"),
                Step.of(query("DISCARD ALL")),
                run("d"),
                prepare("d", "SELECT 17"),
                run("d"));
    }

    @Test
    void anotherClientKeepsTheSharedStatement() throws Exception {
        try (WireClient a = viaPgloom();
                WireClient b = viaPgloom()) {
            // Same text: one pgloom statement on the one server, used by both clients under their own names.
            assertEquals(List.of("1", "Z I"), a.exchange(parse("mine", "SELECT 18"), sync()));
            assertEquals(List.of("1", "Z I"), b.exchange(parse("theirs", "SELECT 18"), sync()));
            assertEquals(List.of("C DEALLOCATE", "Z I"), a.exchange(query("DEALLOCATE mine")));
            assertEquals(List.of("C DEALLOCATE ALL", "Z I"), a.exchange(query("DEALLOCATE ALL")));
            assertEquals(
                    List.of("2", "D 18", "C SELECT 1", "Z I"), b.exchange(bind("", "theirs"), execute(""), sync()));
        }
    }

    @Test
    void theServerIsFreeForOthersAfterEachForm() throws Exception {
        try (WireClient a = viaPgloom();
                WireClient b = viaPgloom()) {
            a.exchange(parse("s", "SELECT 19"), sync());
            a.exchange(query("DEALLOCATE s"));
            a.exchange(parse("s", "SELECT 19"), sync());
            a.exchange(parse("", "DEALLOCATE s"), bind("", ""), execute(""), sync());
            a.exchange(query("DEALLOCATE ALL"));
            // pool_size = 1: b is served only if a's link went back to the pool with nothing outstanding.
            assertEquals(List.of("T", "D 20", "C SELECT 1", "Z I"), b.exchange(query("SELECT 20")));
            Await.until(
                    () -> proxy.pgloom().runtime().pools.snapshots().stream().allMatch(s -> s.active() == 0),
                    10,
                    "the server to be idle in the pool");
        }
    }

    @Test
    void resetAllAndDiscardAllBringBackTheStartupSettings() throws Exception {
        String[] settings = {"TimeZone", "Asia/Tokyo", "application_name", "wire", "statement_timeout", "4321"};
        byte[] show = query("SELECT current_setting('TimeZone') || ' ' || current_setting('statement_timeout') || ' '"
                + " || current_setting('application_name')");
        for (String reset : new String[] {"RESET ALL", "DISCARD ALL", "SET TimeZone TO DEFAULT", "RESET timezone"}) {
            for (boolean viaPgloom : new boolean[] {false, true}) {
                try (WireClient c = viaPgloom ? viaPgloom(settings) : direct(settings);
                        WireClient other = viaPgloom()) {
                    c.exchange(query("SET TimeZone = 'America/Lima'"));
                    assertEquals("America/Lima", c.parameters.get("TimeZone"));
                    c.exchange(query(reset));
                    assertEquals(
                            List.of("T", "D Asia/Tokyo 4321ms wire", "C SELECT 1", "Z I"), c.exchange(show), reset);
                    assertEquals("Asia/Tokyo", c.parameters.get("TimeZone"), "what the client was told after " + reset);
                    // The other client (same single server through pgloom) has none of those settings.
                    List<String> others = other.exchange(query("SELECT current_setting('statement_timeout')"));
                    assertEquals("D 0", others.get(1), "another client after " + reset);
                }
            }
        }
    }
}
