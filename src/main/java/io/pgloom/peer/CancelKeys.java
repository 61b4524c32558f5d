// The cancel keys (BackendKeyData process id and secret) this instance hands out. With peering on they use
// PgBouncer's layout: key bytes 1-2 (the process id's middle bytes, low byte first) hold the issuing peer id and
// the secret's two lowest bits a forwarding TTL, issued as 1 so a cancel is forwarded at most once.
package io.pgloom.peer;

public final class CancelKeys {
    /** The TTL bits at the end of the 8-byte key (PgBouncer's CANCELLATION_TTL_MASK). */
    static final int TTL_MASK = 0x3;

    private final Integer peerId;

    public CancelKeys(Integer peerId) {
        this.peerId = peerId;
    }

    public boolean peering() {
        return peerId != null;
    }

    /** This instance's peer id, or -1 when peering is off. */
    public int peerId() {
        return peerId == null ? -1 : peerId;
    }

    /**
     * The process id for the n-th key: positive and never 0. With peering the peer id takes bytes 1-2, so only 15
     * bits come from n; keys are told apart by process id and secret together.
     */
    public int pid(int n) {
        if (peerId == null) {
            int pid = n & 0x7fffffff;
            return pid == 0 ? 1 : pid;
        }
        int hi = (n >>> 8) & 0x7f;
        int lo = n & 0xff;
        if (hi == 0 && lo == 0) lo = 1;
        return hi << 24 | (peerId & 0xff) << 16 | ((peerId >>> 8) & 0xff) << 8 | lo;
    }

    /** The secret to hand out from 32 random bits: with peering, its TTL bits say "may be forwarded once". */
    public int secret(int random) {
        return peerId == null ? random : (random & ~TTL_MASK) | 1;
    }

    /** The part of a secret that must match: the TTL bits change on the way through a peer. */
    public int comparable(int secret) {
        return peerId == null ? secret : secret & ~TTL_MASK;
    }

    /** The peer id a process id carries (meaningful only when peering is on). */
    public static int peerOf(int pid) {
        return ((pid >>> 16) & 0xff) | ((pid >>> 8) & 0xff) << 8;
    }

    /** The forwarding TTL of a secret (in its 4th byte, also for the longer secrets of protocol 3.2). */
    static int ttl(byte[] secret) {
        return secret[3] & TTL_MASK;
    }

    /** The secret with its TTL lowered by one, as sent to the peer. */
    static byte[] forwarded(byte[] secret) {
        byte[] out = secret.clone();
        out[3] = (byte) ((out[3] & ~TTL_MASK) | (ttl(secret) - 1));
        return out;
    }
}
