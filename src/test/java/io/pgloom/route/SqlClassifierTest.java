// SqlClassifier on the statements read/write routing must get right: plain reads, every kind of write a SELECT can
// hide (FOR UPDATE/SHARE, INTO, writable CTEs, functions off the allow-list such as nextval), transaction starts,
// default_transaction_read_only, and text where keywords hide in comments, quotes and dollar quotes.
package io.pgloom.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgloom.route.SqlClassifier.Kind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlClassifierTest {
    static final SqlClassifier CLASSIFIER = new SqlClassifier(FunctionAllowList.withDefaults(List.of("app.price")));

    static Kind kind(String sql) {
        byte[] b = ("xx" + sql + "yy").getBytes(StandardCharsets.UTF_8);
        return CLASSIFIER.classify(b, 2, b.length - 2); // an offset and a limit, as in a message buffer
    }

    private static void all(Kind expected, String... sqls) {
        for (String sql : sqls) assertEquals(expected, kind(sql), sql);
    }

    @Test
    void plainReads() {
        all(
                Kind.READ,
                "SELECT 1",
                "select * from t where id = $1",
                "SELECT count(*), max(v) FROM t GROUP BY k ORDER BY 1 LIMIT 10",
                "  SELECT a FROM t;  ",
                "SELECT 1; SELECT 2",
                "WITH x AS (SELECT * FROM t) SELECT * FROM x",
                "WITH RECURSIVE r(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r",
                "VALUES (1), (2)",
                "TABLE t",
                "(SELECT 1) UNION (SELECT 2)",
                "SHOW search_path",
                "SELECT v::numeric(10, 2), CAST(v AS varchar(20)) FROM t",
                "SELECT * FROM t WHERE id IN (1, 2) AND EXISTS (SELECT 1 FROM u)",
                "SELECT row_number() OVER (PARTITION BY k ORDER BY v) FROM t",
                "SELECT pg_catalog.now(), inet_server_port(), pg_is_in_recovery()",
                "SELECT app.price(1)",
                "SELECT * FROM generate_series(1, 10) AS g(n)",
                "SELECT 'INSERT INTO t VALUES (1)', $$DELETE FROM t$$, $q$ nextval('s') $q$ FROM t",
                "SELECT \"update\" FROM t -- FOR UPDATE\n",
                "SELECT /* INSERT /* nested */ DELETE */ 1",
                "SELECT E'it\\'s FOR UPDATE', 'it''s INTO' FROM t",
                "SELECT * FROM t FOR READ ONLY",
                "SELECT substring(s FOR 3) FROM t");
    }

    @Test
    void writesAndLocks() {
        all(
                Kind.WRITE,
                "INSERT INTO t VALUES (1)",
                "update t set v = 1",
                "DELETE FROM t",
                "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
                "CREATE TABLE x (v int)",
                "TRUNCATE t",
                "SELECT * FROM t FOR UPDATE",
                "SELECT * FROM t FOR NO KEY UPDATE",
                "SELECT * FROM t FOR SHARE",
                "SELECT * FROM t FOR KEY SHARE SKIP LOCKED",
                "SELECT * INTO copy FROM t",
                "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
                "WITH i AS (INSERT INTO t VALUES (1) RETURNING id) SELECT id FROM i",
                "SELECT 1; INSERT INTO t VALUES (1)",
                "LISTEN ch",
                "CALL proc()",
                "DO $$ BEGIN PERFORM 1; END $$",
                "COPY t FROM STDIN");
    }

    @Test
    void uncertainGoesToThePrimary() {
        all(
                Kind.UNCERTAIN,
                "SELECT nextval('s')",
                "SELECT my_volatile_function()",
                "SELECT \"Count\"(*) FROM t",
                "SELECT public.now()",
                "SELECT setval('s', 1), count(*) FROM t",
                "SELECT pg_advisory_lock(1)",
                "EXPLAIN SELECT 1",
                "PREPARE p AS SELECT 1",
                "COMMIT",
                "",
                "   ;  ",
                "SELECT 'unterminated",
                "SELECT \"unterminated",
                "SELECT $a$ unterminated",
                "SELECT /* unterminated",
                "BEGIN READ ONLY 'unterminated",
                "SET default_transaction_read_only = 'on",
                "SHOW \"unterminated");
    }

    @Test
    void transactionsAndTheReadOnlyDefault() {
        all(
                Kind.BEGIN_READ_ONLY,
                "BEGIN READ ONLY",
                "begin transaction isolation level repeatable read, read only",
                "START TRANSACTION READ ONLY",
                "BEGIN; SET TRANSACTION READ ONLY; SELECT 1",
                "BEGIN READ ONLY; SELECT nextval('s')",
                "SET TRANSACTION READ ONLY");
        all(
                Kind.BEGIN,
                "BEGIN",
                "BEGIN READ WRITE",
                "START TRANSACTION",
                "BEGIN READ ONLY, READ WRITE",
                "BEGIN; SELECT 1");
        all(
                Kind.DEFAULT_READ_ONLY_ON,
                "SET default_transaction_read_only = on",
                "set default_transaction_read_only to true",
                "SET SESSION default_transaction_read_only = 'on'",
                "SET default_transaction_read_only = 1",
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
        all(
                Kind.DEFAULT_READ_ONLY_OFF,
                "SET default_transaction_read_only = off",
                "SET default_transaction_read_only TO DEFAULT",
                "RESET default_transaction_read_only",
                "RESET ALL",
                "SET default_transaction_read_only = 'false'",
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE");
        all(
                Kind.SESSION,
                "SET LOCAL default_transaction_read_only = on",
                "SET search_path = x",
                "RESET work_mem",
                "set extra_float_digits = 3; SET application_name = 'x'");
        all(Kind.READ, "SELECT 1; SET x = 1", "SET x = 1; SELECT 1");
        all(Kind.UNCERTAIN, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SET x = 1; COMMIT");
    }
}
