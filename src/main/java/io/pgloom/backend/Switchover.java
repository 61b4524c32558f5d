// SWITCHOVER db TO host: PAUSE the database, wait (bounded) until its transactions end, point it at the new host,
// check that host until it fits the target, RESUME. When the check does not pass in time the old pointing comes
// back, the database resumes there, and the operator is told so.
package io.pgloom.backend;

import java.time.Duration;
import org.tinylog.Logger;

public final class Switchover {
    /** The pool controls SWITCHOVER uses (implemented by the runtime: PAUSE, RESUME, RECONNECT). */
    public interface Pools {
        int pause(String database, Duration timeout) throws InterruptedException;

        void resume(String database);

        void reconnect(String database);
    }

    /** SWITCHOVER did not happen; the message says why and where the database is now. */
    public static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;

        Failed(String message) {
            super(message, null, false, false);
        }
    }

    private Switchover() {}

    /** Returns what was done; throws Failed (with the database resumed where it was) otherwise. */
    public static String run(BackendRegistry registry, Pools pools, String database, String hostName)
            throws Failed, InterruptedException {
        Failover f = registry.failover(database);
        if (f == null) throw new Failed("database \"" + database + "\" is not in the config");
        if (!f.checked())
            throw new Failed(
                    "SWITCHOVER needs a database with hosts = [...] (\"" + database + "\" has one unchecked host)");
        Backend to = f.find(hostName);
        if (to == null)
            throw new Failed("\"" + hostName + "\" is not one of " + database + "'s hosts; SHOW BACKENDS lists them");
        Duration timeout = f.config().failover().drainTimeout();
        Backend from = f.current();
        String fromName = from == null ? "none" : from.name;
        Logger.info(
                "event=switchover_started database={} from={} to={} drain_timeout_s={}",
                database,
                fromName,
                to.name,
                timeout.toSeconds());
        int busy = pools.pause(database, timeout);
        if (busy > 0) {
            pools.resume(database);
            Logger.warn("event=switchover_aborted database={} to={} servers_in_use={}", database, to.name, busy);
            throw new Failed("SWITCHOVER " + database + " TO " + to.name + " aborted: " + busy
                    + " server connection(s) still in use after " + timeout.toSeconds()
                    + " s (session mode: until their clients leave); nothing changed, " + database + " resumed on "
                    + fromName);
        }
        Logger.info("event=switchover_paused database={}", database);
        Backend oldPin = f.pin(to, true);
        pools.reconnect(database);
        Logger.info("event=switchover_pointed database={} to={}", database, to.name);
        String why = registry.checkUntilFits(f, to, timeout);
        if (why == null) {
            f.pin(to, false);
            pools.resume(database);
            Logger.info("event=switchover_complete database={} from={} to={}", database, fromName, to.name);
            return "SWITCHOVER " + database + " TO " + to.name + " complete";
        }
        f.pin(oldPin, false);
        pools.reconnect(database);
        pools.resume(database);
        Backend now = f.current();
        Logger.warn(
                "event=switchover_rolled_back database={} to={} back_to={} reason={}",
                database,
                to.name,
                now == null ? "none" : now.name,
                why);
        throw new Failed("SWITCHOVER " + database + " TO " + to.name + " rolled back: " + to.name
                + " did not pass its check as "
                + f.config().target().label() + " within " + timeout.toSeconds() + " s (" + why + "); " + database
                + " resumed on " + (now == null ? "no host" : now.name));
    }
}
