// Opens one authenticated server connection for a pool; the pool calls it outside its lock.
package io.pgloom.pool;

@FunctionalInterface
public interface ServerFactory {
    ServerConn open(PoolKey key) throws ServerLoginException;
}
