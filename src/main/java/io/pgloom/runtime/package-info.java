/**
 * What one pgloom process shares: ProxyRuntime (config and TLS material, pools, backends, metrics, tracing, pool
 * control, shutdown state), the server connector (every login pgloom makes to PostgreSQL), auth_query, client counts
 * per database and user. Sees the live sessions only through SessionDirectory, which the session layer attaches.
 */
package io.pgloom.runtime;
