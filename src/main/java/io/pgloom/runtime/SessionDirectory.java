// The live client sessions as the process-wide parts see them (SHOW CLIENTS, KILL, shutdown, the janitor, the
// health checks, tracing, the pool gauges). The session layer implements it (session.Sessions) and attaches it
// to the runtime, so that the runtime never depends on the session classes.
package io.pgloom.runtime;

import io.pgloom.backend.Backend;
import io.pgloom.pool.PoolKey;
import io.pgloom.trace.Traced;
import java.util.List;
import java.util.Map;

public interface SessionDirectory {
    /** Sessions open now, logged in or not. */
    int count();

    /** Logged-in clients per pool by state (the pool gauges and SHOW POOLS). */
    Map<PoolKey, PoolClients> clientsByPool();

    /** SHOW CLIENTS. */
    List<ClientRow> clientRows();

    /** A CancelRequest with one of this instance's keys: cancels what its session runs now; false for no such key. */
    boolean cancel(int pid, byte[] secret);

    /** KILL_CLIENT: ends one client with 57P01; false when there is no such client. */
    boolean killClient(String id);

    /** KILL db: ends every client of the database with 57P01; returns how many. */
    int endClientsOf(String database);

    /** A host was marked down: ends the sessions linked to its servers (their transactions are lost); how many. */
    int endSessionsOn(Backend backend);

    /** Shutdown began: idle sessions close now with 57P01, busy ones after their transaction. */
    void closeIdle();

    /** The shutdown timeout was reached: every session goes now. */
    void closeAll();

    /** The janitor's pass: every session's timeouts, with the settings in force now. */
    void checkTimeouts();

    /** The sessions as tracing sees them. */
    List<Traced> traced();
}
