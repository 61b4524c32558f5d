// Reads peering: [proxy] peer_id or peer_id_env, the static [peers.N] tables and the [peers] host_pattern for a
// StatefulSet (pgloom-{N}.pgloom-peers, N = 0 .. count-1). Every mistake names its key.
package io.pgloom.config;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

final class PeersReader {
    private static final long DEFAULT_PORT = 6432;

    private PeersReader() {}

    /** [proxy] peer_id (an integer) or peer_id_env (a variable whose value is N or ends in -N, e.g. pgloom-2). */
    static Integer peerId(TomlTable proxy, Function<String, String> environment) {
        boolean direct = proxy.has("peer_id");
        boolean fromEnv = proxy.has("peer_id_env");
        if (direct && fromEnv) {
            proxy.error("peer_id_env", "set peer_id or peer_id_env, not both");
            return null;
        }
        if (direct) return (int) proxy.integer("peer_id", 0, 0, PeerSettings.MAX_PEER_ID);
        proxy.markSeen("peer_id");
        if (!fromEnv) return null;
        String name = proxy.string("peer_id_env", "");
        String value = name.isEmpty() ? null : environment.apply(name);
        if (value == null || value.isBlank()) {
            proxy.error("peer_id_env", "environment variable " + name + " is not set");
            return null;
        }
        Integer id = fromValue(value.strip());
        if (id == null) {
            proxy.error(
                    "peer_id_env",
                    name + "=\"" + value + "\" is neither a peer id nor a name ending in -N (0 to "
                            + PeerSettings.MAX_PEER_ID + ")");
        }
        return id;
    }

    /** "3" or "pgloom-3" gives 3 (a StatefulSet pod's HOSTNAME ends in its ordinal); null otherwise. */
    static Integer fromValue(String value) {
        String digits = value.substring(value.lastIndexOf('-') + 1);
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(Character::isDigit)) return null;
        int id = Integer.parseInt(digits);
        return id <= PeerSettings.MAX_PEER_ID ? id : null;
    }

    /** [peers]: numbered tables and/or host_pattern with count and port. */
    static PeerSettings read(Integer peerId, TomlTable peers, List<String> errors) {
        SortedMap<Integer, PeerSettings.Peer> out = new TreeMap<>();
        String pattern = peers.string("host_pattern", "");
        long count = peers.integer("count", 0, 0, PeerSettings.MAX_PEER_ID + 1L);
        int patternPort = (int) peers.integer("port", DEFAULT_PORT, 1, 65535);
        if (!pattern.isEmpty() && !pattern.contains("{N}")) peers.error("host_pattern", "must contain {N}");
        else if (!pattern.isEmpty() && count == 0) peers.error("count", "must be set with host_pattern");
        else if (pattern.isEmpty() && count > 0) peers.error("host_pattern", "must be set with count");
        else {
            for (int n = 0; n < count; n++) {
                out.put(n, new PeerSettings.Peer(n, pattern.replace("{N}", String.valueOf(n)), patternPort));
            }
        }
        for (String key : List.copyOf(peersKeys(peers))) {
            Object v = peers.raw(key);
            if (!(v instanceof Map<?, ?> m)) {
                peers.error(key, "unknown key (peers are tables: [peers.N] with host and port)");
                continue;
            }
            Integer id = key.chars().allMatch(Character::isDigit) && key.length() <= 5 ? Integer.valueOf(key) : null;
            if (id == null || id > PeerSettings.MAX_PEER_ID) {
                peers.error(key, "a peer's table is named by its peer id, 0 to " + PeerSettings.MAX_PEER_ID);
                continue;
            }
            @SuppressWarnings("unchecked")
            TomlTable t = new TomlTable(peers.key(key), (Map<String, Object>) m, errors);
            String host = t.string("host", "");
            if (host.isBlank()) t.error("host", "is required");
            int port = (int) t.integer("port", DEFAULT_PORT, 1, 65535);
            t.rejectUnknown();
            out.put(id, new PeerSettings.Peer(id, host, port));
        }
        if (peerId == null && !out.isEmpty())
            errors.add("peers: peers are listed but [proxy] has neither peer_id nor peer_id_env");
        return new PeerSettings(peerId, Collections.unmodifiableSortedMap(out));
    }

    private static List<String> peersKeys(TomlTable peers) {
        return peers.keys().stream()
                .filter(k -> !k.equals("host_pattern") && !k.equals("count") && !k.equals("port"))
                .toList();
    }
}
