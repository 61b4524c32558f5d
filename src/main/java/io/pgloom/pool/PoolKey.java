// Identity of a pool: the client-facing database name and the client user name.
package io.pgloom.pool;

public record PoolKey(String database, String user) {
    @Override
    public String toString() {
        return database + "/" + user;
    }
}
