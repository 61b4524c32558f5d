/** Process-wide services the sessions share: the server connector (every login pgloom makes to PostgreSQL), auth_query. */
package io.pgloom.runtime;
