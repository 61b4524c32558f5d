/** The PostgreSQL hosts of each database: health checks, roles (primary/standby), routing, failover, drain. */
package io.pgloom.backend;
