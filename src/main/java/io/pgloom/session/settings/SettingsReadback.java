// Transaction mode: a client's SET of a setting PostgreSQL does not report (search_path on older servers,
// statement_timeout, work_mem, role, app.* ...) is noted as it goes to the server; when the transaction is over and
// the server is about to go back to the pool, pgloom asks the server what the client's settings now are, in one
// round trip, so that rollbacks, SET LOCAL and failed statements are PostgreSQL's to decide, not a guess from SQL.
package io.pgloom.session.settings;

import io.pgloom.pool.ServerConn;
import io.pgloom.wire.BodyCursor;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

public final class SettingsReadback {
    /** Names the client SET since its server was last read back (guarded by the link lock). */
    private Set<String> touched;

    /**
     * A SET of {@code name} is on its way to {@code server} (link lock held). Until it is read back, what the server
     * has for it is unknown: another client linked to it first gets it reset.
     */
    public void note(ServerConn server, String name) {
        if (server != null && !server.parameters.containsKey(name)) {
            server.unreportedSets.put(name, SettingsReset.UNKNOWN);
            server.settingsMatch = null;
        }
        if (touched == null) touched = new TreeSet<>();
        touched.add(name);
    }

    /** The names to read back before the server is released, or null (no allocation) when there are none. */
    public Set<String> take() {
        Set<String> t = touched;
        touched = null;
        return t;
    }

    /**
     * Reads the current values of {@code names} on the server the client's transaction just ended on (it is idle
     * and unshared: nothing else is in flight), and makes them the client's own: it wants them on every later server,
     * and the server is known to have them. A setting PostgreSQL reports is left to its ParameterStatus.
     */
    public static void run(ClientSettings s, ServerConn server, Set<String> names) throws IOException {
        List<String> unreported = new ArrayList<>(names.size());
        for (String n : names) if (!server.parameters.containsKey(n)) unreported.add(n);
        if (unreported.isEmpty()) return;
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < unreported.size(); i++) {
            if (i > 0) sql.append(", ");
            sql.append("current_setting(")
                    .append(ParameterSync.literal(unreported.get(i)))
                    .append(", true)");
        }
        server.out.write(Messages.query(sql.toString()));
        String[] values = null;
        while (true) {
            int t = server.reader.next();
            if (t < 0) throw new EOFException("server closed the connection");
            if (t == MessageType.DATA_ROW) {
                values = columns(server.reader.buffer(), server.reader.bodyStart(), server.reader.bodyLength());
            } else if (t == MessageType.PARAMETER_STATUS) {
                BodyCursor body = server.reader.body();
                server.reported(body.cstring(), body.cstring());
            } else if (t == MessageType.READY_FOR_QUERY) {
                break;
            }
        }
        if (values == null || values.length != unreported.size()) {
            throw new IOException("settings read-back answered without its row");
        }
        for (int i = 0; i < values.length; i++) {
            String name = unreported.get(i);
            if (values[i] == null) { // no such setting (the SET failed): nothing to carry, nothing to reset
                server.unreportedSets.remove(name);
                if (s.get(name) != null) s.unwant(name);
            } else {
                server.unreportedSets.put(name, values[i]);
                if (!values[i].equals(s.get(name))) s.want(name, values[i]);
            }
        }
        server.settingsMatch = null;
    }

    /** The text columns of a DataRow (null for SQL NULL). */
    private static String[] columns(byte[] buf, int off, int len) throws IOException {
        BodyCursor c = new BodyCursor(buf, off, len);
        String[] v = new String[c.int16()];
        for (int i = 0; i < v.length; i++) {
            int n = c.int32();
            v[i] = n < 0 ? null : new String(c.bytes(n), StandardCharsets.UTF_8);
        }
        return v;
    }
}
