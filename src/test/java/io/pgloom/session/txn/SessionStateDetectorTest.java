// Which statements create session state that transaction pooling cannot carry.
package io.pgloom.session.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class SessionStateDetectorTest {
    @Test
    void flagsSessionStateAndLetsSafeStatementsPass() {
        assertEquals(SessionStateDetector.Kind.LISTEN, SessionStateDetector.classify("listen jobs"));
        assertEquals(SessionStateDetector.Kind.PREPARE, SessionStateDetector.classify("prepare q as select 1"));
        assertEquals(
                SessionStateDetector.Kind.WITH_HOLD_CURSOR,
                SessionStateDetector.classify("declare c cursor with hold for select 1"));
        assertNull(SessionStateDetector.classify("declare c cursor for select 1"));
        assertEquals(
                SessionStateDetector.Kind.TEMP_TABLE, SessionStateDetector.classify("create temp table t (a int)"));
        assertEquals(
                SessionStateDetector.Kind.TEMP_TABLE,
                SessionStateDetector.classify("create local temporary table t (a int)"));
        assertEquals(
                SessionStateDetector.Kind.ADVISORY_LOCK, SessionStateDetector.classify("select pg_advisory_lock(42)"));
        assertNull(SessionStateDetector.classify("select pg_advisory_xact_lock(42)"));
        assertNull(SessionStateDetector.classify("select 1"));
    }
}
