/** pgloom: a PostgreSQL wire-protocol proxy and connection pooler on virtual threads. */
package io.pgloom;
