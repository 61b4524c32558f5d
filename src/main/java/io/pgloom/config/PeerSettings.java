// Peering ([proxy] peer_id, [peers]): which instance this is and where the other instances of the fleet receive
// forwarded cancel requests. peerId is null when peering is off; peers includes this instance's own entry.
package io.pgloom.config;

import java.util.SortedMap;

public record PeerSettings(Integer peerId, SortedMap<Integer, Peer> peers) {
    /** The largest peer id: 14 bits of the cancel key carry it, as in PgBouncer's peering. */
    public static final int MAX_PEER_ID = 16383;

    /** One [peers.N] entry (or one of the pattern's): where peer N takes cancel requests. */
    public record Peer(int id, String host, int port) {}

    public boolean enabled() {
        return peerId != null;
    }
}
