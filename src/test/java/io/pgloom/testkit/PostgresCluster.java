// A primary and streaming standbys from the binaries fixture, for failover tests: standby(i).promote() plays
// Patroni, primary().crash() plays a dead server. Closing stops and removes every instance.
package io.pgloom.testkit;

import java.util.ArrayList;
import java.util.List;

public final class PostgresCluster implements AutoCloseable {
    private final PostgresFixture primary;
    private final List<PostgresFixture> standbys = new ArrayList<>();

    private PostgresCluster(PostgresFixture primary) {
        this.primary = primary;
    }

    /** A new primary and this many standbys streaming from it, each on its own port. */
    public static PostgresCluster start(int standbys) {
        PostgresCluster c = new PostgresCluster(PostgresFixture.startNewFromBinaries());
        try {
            for (int i = 0; i < standbys; i++) c.standbys.add(c.primary.startStandby());
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    public PostgresFixture primary() {
        return primary;
    }

    public PostgresFixture standby(int i) {
        return standbys.get(i);
    }

    /** "127.0.0.1:port" of an instance, as a pgloom hosts entry. */
    public static String hostEntry(PostgresFixture pg) {
        return pg.host() + ":" + pg.port();
    }

    @Override
    public void close() {
        for (PostgresFixture s : standbys) s.close();
        primary.close();
    }
}
