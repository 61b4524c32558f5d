// The settings one client wants on every server it is linked to: its startup parameters, then what it changes
// (ParameterStatus, SETs read back at the end of a transaction) and resets. Owned by the client's session;
// ParameterSync puts the target onto a server each time one is linked.
package io.pgloom.session.settings;

import io.pgloom.pool.ServerConn;
import io.pgloom.util.ResourceLock;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.SessionClosed;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

public final class ClientSettings {
    /**
     * Settings the client asked for; kept true on every server it is linked to. Set at login, then changed only
     * through {@link #want} and {@link #unwant}, so that the target settings are rebuilt after every change.
     */
    private Map<String, String> wanted = Map.of();
    /** The interned settings a server must have for this client (wanted, with the host suffix), rebuilt on change. */
    private Map<String, String> target;

    private volatile boolean changed = true;
    /** What the target settings were built with: a RELOAD that flips application_name_add_host rebuilds them. */
    private boolean targetAddsHost;
    /** " - address:port", appended to application_name on servers when application_name_add_host is on. */
    private final String hostSuffix;

    /** Transaction mode: the client's SETs of unreported settings, read back at the end of its transaction. */
    public final SettingsReadback readback = new SettingsReadback();
    /** Transaction mode: RESET ALL / DISCARD ALL bring back the startup settings. */
    public final SettingsReset resets = new SettingsReset();

    public ClientSettings(String remoteAddress, int remotePort) {
        this.hostSuffix = " - " + remoteAddress + ":" + remotePort;
    }

    /** At login: the startup packet's settings (checked by ParameterSync.wantedFrom) are what RESET brings back. */
    public void startWith(Map<String, String> startup) {
        wanted = new ConcurrentHashMap<>(startup);
        resets.startup = Map.copyOf(startup);
        changed = true;
    }

    /** The value the client wants for a setting, or null. */
    public String get(String name) {
        return wanted.get(name);
    }

    /** Everything the client wants (read-only). */
    public Map<String, String> wanted() {
        return Collections.unmodifiableMap(wanted);
    }

    Set<String> names() {
        return wanted.keySet();
    }

    public void want(String name, String value) {
        wanted.put(name, value);
        changed = true;
    }

    public void unwant(String name) {
        wanted.remove(name);
        changed = true;
    }

    /** The suffix application_name gets on servers, or null when application_name_add_host is off. */
    public String hostSuffix(boolean addHost) {
        return addHost ? hostSuffix : null;
    }

    /** The interned settings a server must have for this client (ParameterSync.apply compares by identity first). */
    public Map<String, String> target(boolean addHost) {
        if (changed || target == null || addHost != targetAddsHost) {
            changed = false;
            targetAddsHost = addHost;
            target = ParameterSync.interned(ParameterSync.target(wanted, hostSuffix(addHost)));
        }
        return target;
    }

    /**
     * A server was just linked for the client: settings it reset come back to their startup values, the server is
     * given the client's settings, and the ParameterStatus messages the client must now see are returned (null when
     * there are none) for the session to write.
     */
    public byte[] onLink(ServerConn server, boolean addHost, ResourceLock linkLock) throws IOException, SessionClosed {
        Set<String> show = Set.of();
        if (resets.anyPending) {
            try (var h = linkLock.obtain()) {
                show = resets.restore(this);
            }
        }
        ParameterSync.apply(target(addHost), server);
        if (show.isEmpty()) return null;
        FrameWriter w = new FrameWriter(64);
        for (String name : show) {
            if (ParameterSync.carried(name) && server.parameters.containsKey(name)) {
                w.begin(MessageType.PARAMETER_STATUS)
                        .cstring(name)
                        .cstring(wanted.get(name))
                        .end();
            }
        }
        return w.size() == 0 ? null : Arrays.copyOf(w.array(), w.size());
    }
}
