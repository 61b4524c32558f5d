// The cancel key layout: PgBouncer's peer id bytes, positive process ids, the one-hop TTL.
package io.pgloom.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CancelKeysTest {
    @Test
    void processIdCarriesThePeerIdInBytesOneAndTwoLowByteFirst() {
        CancelKeys k = new CancelKeys(0x1234);
        int pid = k.pid(0x7fff);
        assertEquals(0x7f34_12ff, pid, Integer.toHexString(pid));
        assertEquals(0x1234, CancelKeys.peerOf(pid));
        for (int id : new int[] {0, 1, 255, 256, 16383}) {
            CancelKeys ki = new CancelKeys(id);
            for (int n : new int[] {0, 1, 0x7fff, 0x8000, -1, Integer.MIN_VALUE}) {
                int p = ki.pid(n);
                assertTrue(p > 0, "positive pid for peer " + id + " n " + n);
                assertEquals(id, CancelKeys.peerOf(p));
            }
        }
    }

    @Test
    void fifteenBitsOfTheProcessIdVaryWithPeering() {
        CancelKeys k = new CancelKeys(3);
        Set<Integer> pids = new HashSet<>();
        for (int n = 0; n < 1 << 15; n++) pids.add(k.pid(n));
        assertEquals((1 << 15) - 1, pids.size(), "n = 0 and n = 1 share a pid (never 0 in bytes 0 and 3)");
    }

    @Test
    void secretsAreIssuedWithATtlOfOneAndForwardingSpendsIt() {
        CancelKeys k = new CancelKeys(1);
        int secret = k.secret(0xffff_ffff);
        assertEquals(0xffff_fffd, secret);
        byte[] bytes = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfd};
        assertEquals(1, CancelKeys.ttl(bytes));
        byte[] once = CancelKeys.forwarded(bytes);
        assertEquals(0, CancelKeys.ttl(once));
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfc}, once);
        assertEquals(k.comparable(0xffff_fffc), k.comparable(secret), "the issuer matches a forwarded key");
    }

    @Test
    void withoutPeeringKeysAreUntouched() {
        CancelKeys off = new CancelKeys(null);
        assertEquals(-1, off.peerId());
        assertEquals(0x1234_5678, off.secret(0x1234_5678));
        assertEquals(0x1234_5678, off.comparable(0x1234_5678));
        assertEquals(42, off.pid(42));
        assertEquals(1, off.pid(0));
    }
}
