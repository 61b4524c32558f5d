// Which query texts pgloom answers as SQL DEALLOCATE, and the statement name each one means (PostgreSQL's
// identifier rules: unquoted names fold to lower case, quoted ones keep case and "" stands for ").
package io.pgloom.session.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SqlDeallocateTest {
    private static SqlDeallocate.Target parse(String sql) {
        byte[] b = sql.getBytes(StandardCharsets.UTF_8);
        return SqlDeallocate.parse(b, 0, b.length);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "DEALLOCATE _pg3_0|_pg3_0",
                "deallocate S_12;|s_12",
                "  DeAlLoCaTe   PREPARE  stmt1 ;  |stmt1",
                "DEALLOCATE \"MixedCase\"|MixedCase",
                "DEALLOCATE PREPARE \"with \"\" quote\"|with \" quote",
                "DEALLOCATE \"all\"|all",
                "DEALLOCATE prepare|prepare",
                "DEALLOCATE prepare;|prepare",
                "/* driver */ DEALLOCATE /* evicted */ q1|q1",
                "DEALLOCATE q$1|q$1",
                "DEALLOCATE \"ünïcode\"|ünïcode",
            })
    void namesOneStatement(String sql, String name) {
        SqlDeallocate.Target t = parse(sql);
        assertEquals(name, t.name(), sql);
        assertFalse(t.all());
    }

    @org.junit.jupiter.api.Test
    void commentsAndControlWhitespace() {
        assertEquals(
                "q1", parse("-- evicted by the driver\nDEALLOCATE\t\r\n  q1\n").name());
        assertEquals("q2", parse("DEALLOCATE q2 -- trailing comment").name());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"DEALLOCATE ALL", "deallocate all;", "DEALLOCATE PREPARE ALL", " deallocate prepare all ; "})
    void all(String sql) {
        assertTrue(parse(sql).all(), sql);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "DEALLOCATE",
                "DEALLOCATE a; SELECT 1",
                "DEALLOCATE a b",
                "DEALLOCATE U&\"d\\0061t\"",
                "DEALLOCATE \"\"",
                "DEALLOCATE \"unterminated",
                "DEALLOCATEX a",
                "SELECT 1",
                "DEALLOCATE 1abc",
                "DEALLOCATE ;"
            })
    void notAPlainDeallocate(String sql) {
        assertNull(parse(sql), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DEALLOCATE x", " -- c\n deallocate all", "/* a /* nested */ b */DEALLOCATE y"})
    void preCheckSeesTheKeyword(String sql) {
        byte[] b = sql.getBytes(StandardCharsets.UTF_8);
        assertTrue(SqlDeallocate.startsWithDeallocate(b, 0, b.length));
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT 1", "deallocated", "DEALLOCATE_ x"})
    void preCheckIgnoresOtherStatements(String sql) {
        byte[] b = sql.getBytes(StandardCharsets.UTF_8);
        assertFalse(SqlDeallocate.startsWithDeallocate(b, 0, b.length));
    }
}
