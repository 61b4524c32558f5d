// Which ErrorResponse bodies mean a shared prepared statement went stale (decoded from literal bytes).
package io.pgloom.session.txn;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplyTrackerTest {
    private static byte[] error(String... fields) {
        StringBuilder sb = new StringBuilder();
        for (String f : fields) sb.append(f).append('\0');
        return sb.append('\0').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean stale(byte[] body) {
        return ReplyTracker.staleStatement(body, 0, body.length);
    }

    @Test
    void planCacheRevalidationFailureIsStale() {
        assertTrue(stale(error(
                "SERROR",
                "VERROR",
                "C0A000",
                "Mcached plan must not change result type",
                "Fplancache.c",
                "L730",
                "RRevalidateCachedQuery")));
        // The message may be translated; the routine is not.
        assertTrue(stale(error(
                "SFEHLER", "C0A000", "Mgecachter Plan darf den Ergebnistyp nicht ändern", "RRevalidateCachedQuery")));
    }

    @Test
    void otherErrorsAreNot() {
        assertFalse(stale(error(
                "SERROR", "C0A000", "MFOR UPDATE is not allowed with aggregate functions", "RCheckSelectLocking")));
        assertFalse(stale(error("SERROR", "C22012", "Mdivision by zero", "RRevalidateCachedQuery")));
        assertFalse(stale(error("SERROR", "C0A000")));
        assertFalse(stale(new byte[] {0}));
    }
}
