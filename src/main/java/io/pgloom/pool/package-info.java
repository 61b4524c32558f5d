/** Server connections per (database, user): login, acquire/release with a FIFO of waiters, limits, lifetimes, the janitor. */
package io.pgloom.pool;
