// ParameterSync from literal settings: startup options parsed as libpq writes them, equal settings shared as one
// object (how a server that already has a client's settings is recognised without comparing them), and the SET /
// RESET batch that brings a server in line.
package io.pgloom.session.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.pool.PoolKey;
import io.pgloom.pool.ServerConn;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParameterSyncTest {
    @Test
    void equalSettingsAreOneObjectWhateverTheirOrderOrMapType() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("application_name", "app");
        a.put("TimeZone", "UTC");
        Map<String, String> b = new HashMap<>(Map.of("TimeZone", "UTC", "application_name", "app"));
        assertSame(ParameterSync.interned(a), ParameterSync.interned(b));
        assertNotSame(ParameterSync.interned(a), ParameterSync.interned(Map.of("TimeZone", "UTC")));
    }

    @Test
    void optionsCarrySettingsWithEscapedSpaces() throws Exception {
        Map<String, String> wanted = new LinkedHashMap<>();
        ParameterSync.parseOptions("-c search_path=a\\ b --statement-timeout=5s", wanted);
        assertEquals(Map.of("search_path", "a b", "statement_timeout", "5s"), wanted);
    }

    @Test
    void theBatchSetsWhatDiffersAndResetsWhatAnotherClientSet() throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                Socket socket = new Socket(listen.getInetAddress(), listen.getLocalPort());
                Socket ignored = listen.accept()) {
            ServerConn server = ServerConn.unauthenticated(new PoolKey("db", "u"), socket);
            server.parameters.put("TimeZone", "UTC");
            server.unreportedSets.put("statement_timeout", "1s");
            Map<String, String> wanted = ParameterSync.interned(Map.of("TimeZone", "Europe/Paris"));
            assertEquals(
                    "SELECT set_config('TimeZone', 'Europe/Paris', false);RESET statement_timeout;",
                    ParameterSync.diff(wanted, server));
            server.parameters.put("TimeZone", "Europe/Paris");
            server.unreportedSets.clear();
            assertNull(ParameterSync.diff(wanted, server), "nothing to do once the server matches");
        }
    }

    @Test
    void startupParameterNamesAreCheckedAsPostgresNamesSettings() {
        for (String ok : new String[] {"application_name", "TimeZone", "_x", "app.user_id", "search_path2"})
            assertTrue(ParameterSync.isSettingName(ok), ok);
        for (String bad : new String[] {"", "1abc", ".app", "bad-name", "a b", "x;DROP", "é"})
            assertFalse(ParameterSync.isSettingName(bad), bad);
    }
}
