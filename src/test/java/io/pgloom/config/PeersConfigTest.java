// Peering config: peer_id, peer_id_env (a StatefulSet pod's HOSTNAME), [peers.N] tables and the [peers]
// host_pattern; every mistake names its key.
package io.pgloom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeersConfigTest {
    @TempDir
    Path dir;

    private ProxyConfig load(String toml, Map<String, String> env) throws Exception {
        Path f = dir.resolve("proxy.toml");
        Files.writeString(f, toml);
        return ConfigLoader.load(f, env::get);
    }

    private String error(String toml, Map<String, String> env) throws Exception {
        return assertThrows(ConfigError.class, () -> load(toml, env)).getMessage();
    }

    @Test
    void offUnlessAPeerIdIsSet() throws Exception {
        PeerSettings p = load("", Map.of()).peers();
        assertFalse(p.enabled());
        assertTrue(p.peers().isEmpty());
    }

    @Test
    void staticPeersByNumberedTables() throws Exception {
        PeerSettings p = load("""
                [proxy]
                peer_id = 1
                [peers.1]
                host = "10.0.0.1"
                [peers.2]
                host = "10.0.0.2"
                port = 6000
                """, Map.of()).peers();
        assertEquals(1, p.peerId());
        assertEquals(List.of(1, 2), List.copyOf(p.peers().keySet()));
        assertEquals(new PeerSettings.Peer(2, "10.0.0.2", 6000), p.peers().get(2));
        assertEquals(6432, p.peers().get(1).port());
    }

    @Test
    void kubernetesPeerIdFromThePodNameAndPeersFromAPattern() throws Exception {
        PeerSettings p = load("""
                [proxy]
                peer_id_env = "HOSTNAME"
                [peers]
                host_pattern = "pgloom-{N}.pgloom-peers"
                count = 3
                """, Map.of("HOSTNAME", "pgloom-2")).peers();
        assertEquals(2, p.peerId());
        assertEquals(3, p.peers().size());
        assertEquals(
                new PeerSettings.Peer(0, "pgloom-0.pgloom-peers", 6432),
                p.peers().get(0));
        assertEquals(
                1,
                load("[proxy]\npeer_id_env = \"ID\"\n", Map.of("ID", "1"))
                        .peers()
                        .peerId());
    }

    @Test
    void mistakesNameTheirKey() throws Exception {
        assertTrue(
                error("[proxy]\npeer_id = 20000\n", Map.of()).contains("proxy.peer_id: must be between 0 and 16383"));
        assertTrue(error("[proxy]\npeer_id_env = \"HOSTNAME\"\n", Map.of()).contains("HOSTNAME is not set"));
        assertTrue(error("[proxy]\npeer_id_env = \"H\"\n", Map.of("H", "web"))
                .contains("proxy.peer_id_env: H=\"web\" is neither a peer id"));
        assertTrue(error("[proxy]\npeer_id = 1\npeer_id_env = \"H\"\n", Map.of("H", "1"))
                .contains("not both"));
        assertTrue(error("[proxy]\npeer_id = 1\n[peers.x]\nhost = \"a\"\n", Map.of())
                .contains("peers.x: a peer's table is named by its peer id"));
        assertTrue(
                error("[proxy]\npeer_id = 1\n[peers.2]\nport = 1\n", Map.of()).contains("peers.2.host: is required"));
        assertTrue(error("[proxy]\npeer_id = 1\n[peers]\nhost_pattern = \"p\"\ncount = 2\n", Map.of())
                .contains("peers.host_pattern: must contain {N}"));
        assertTrue(error("[peers.2]\nhost = \"a\"\n", Map.of()).contains("neither peer_id nor peer_id_env"));
    }

    @Test
    void requiredDatabasesDefaultToNotRequired() throws Exception {
        ProxyConfig c = load("""
                [databases.a]
                host = "h"
                required = true
                [databases.b]
                host = "h"
                """, Map.of());
        assertTrue(c.database("a").orElseThrow().required());
        assertFalse(c.database("b").orElseThrow().required());
        assertNull(PeersReader.fromValue("pgloom-"));
        assertEquals(12, PeersReader.fromValue("my-app-12"));
    }
}
