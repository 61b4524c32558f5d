// [proxy] unix_socket_dir / unix_socket_mode / unix_socket_group and [[hba]] type = "local" / method = "peer": the
// values read, the folder relative to the config file, the refusals naming the key, and which rules match a
// Unix-socket client (only local ones) and which a TCP client (never local ones).
package io.pgloom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketConfigTest {
    @TempDir
    Path dir;

    private ProxyConfig load(String toml) throws Exception {
        Path f = dir.resolve("proxy.toml");
        Files.writeString(f, toml);
        return ConfigLoader.load(f, v -> null);
    }

    private String error(String toml) throws Exception {
        return assertThrows(ConfigError.class, () -> load(toml)).getMessage();
    }

    @Test
    void offByDefaultAndTheFolderIsRelativeToTheConfigFile() throws Exception {
        ProxySettings off = load("[proxy]\n").proxy();
        assertFalse(off.unixSocket());
        assertEquals("0777", off.unixSocketMode(), "PgBouncer's default");
        ProxySettings on = load("""
                [proxy]
                unix_socket_dir = "run"
                unix_socket_mode = "0770"
                unix_socket_group = "pgloom"
                """).proxy();
        assertTrue(on.unixSocket());
        assertEquals(dir.resolve("run").toString(), on.unixSocketDir());
        assertEquals("0770", on.unixSocketMode());
        assertEquals("pgloom", on.unixSocketGroup());
    }

    @Test
    void aModeThatIsNotOctalPermissionBitsIsRefused() throws Exception {
        assertTrue(
                error("[proxy]\nunix_socket_mode = \"0789\"\n").contains("proxy.unix_socket_mode: must be octal"),
                "named by its key");
        assertTrue(error("[proxy]\nunix_socket_mode = \"rwx\"\n").contains("proxy.unix_socket_mode"));
    }

    @Test
    void peerNeedsALocalRuleAndALocalRuleHasNoAddress() throws Exception {
        String e = error("[[hba]]\nmethod = \"peer\"\n");
        assertTrue(e.contains("hba[1].method: peer needs type = \"local\""), e);
        e = error("[[hba]]\ntype = \"local\"\naddress = \"10.0.0.0/8\"\nmethod = \"trust\"\n");
        assertTrue(e.contains("hba[1].address: a type = \"local\" rule (Unix socket) has no address"), e);
    }

    @Test
    void localRulesMatchOnlyUnixClientsAndOthersOnlyTcpClients() throws Exception {
        var rules = load("""
                [[hba]]
                type = "local"
                method = "peer"
                [[hba]]
                method = "scram-sha-256"
                [[hba]]
                type = "plain"
                address = "127.0.0.0/8"
                method = "md5"
                """).hba();
        InetAddress tcp = InetAddress.getLoopbackAddress();
        assertEquals(HbaRule.Method.PEER, rules.get(0).method());
        assertTrue(rules.get(0).matches("app", "u", null, false), "a Unix-socket client (no address)");
        assertFalse(rules.get(0).matches("app", "u", tcp, false), "a TCP client never matches a local rule");
        assertFalse(rules.get(1).matches("app", "u", null, false), "type any means any TCP client, as pg_hba host");
        assertTrue(rules.get(1).matches("app", "u", tcp, true));
        assertFalse(rules.get(2).matches("app", "u", null, false), "an address rule cannot match the socket");
        assertTrue(rules.get(2).matches("app", "u", tcp, false));
    }
}
