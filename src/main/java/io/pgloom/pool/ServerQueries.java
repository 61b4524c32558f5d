// Queries pgloom itself runs on a server no client is linked to (server_check_query before reuse, the readiness
// probe), reading the answer to its ReadyForQuery.
package io.pgloom.pool;

import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import java.io.IOException;

public final class ServerQueries {
    private ServerQueries() {}

    /**
     * Runs a simple query on an unlinked server and reads until ReadyForQuery; true when it ended idle ('I')
     * with no error.
     */
    public static boolean runToReady(ServerConn c, String sql) {
        try {
            c.setReadTimeout(10_000);
            c.out.write(Messages.query(sql));
            boolean ok = true;
            while (true) {
                int t = c.reader.next();
                if (t < 0) return false;
                if (t == MessageType.ERROR_RESPONSE) ok = false;
                else if (t == MessageType.PARAMETER_STATUS) {
                    var body = c.reader.body();
                    String name = body.cstring();
                    c.reported(name, body.cstring());
                } else if (t == MessageType.READY_FOR_QUERY) {
                    byte status = c.reader.buffer()[c.reader.bodyStart()];
                    c.setReadTimeout(0);
                    c.reader.shrink();
                    return ok && status == MessageType.TX_IDLE;
                }
            }
        } catch (IOException e) {
            return false;
        }
    }
}
