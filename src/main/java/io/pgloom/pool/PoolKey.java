// Identity of a pool: the client-facing database name and the client user name; reads marks the second pool of a
// target = "auto" database, whose servers are on standbys (read/write split).
package io.pgloom.pool;

public record PoolKey(String database, String user, boolean reads) {
    public PoolKey(String database, String user) {
        this(database, user, false);
    }

    /** The database as SHOW POOLS and the pool metrics name it: "db" or, for the read pool, "db:reads". */
    public String label() {
        return reads ? database + ":reads" : database;
    }

    @Override
    public String toString() {
        return label() + "/" + user;
    }
}
