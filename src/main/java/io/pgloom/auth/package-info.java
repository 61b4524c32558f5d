/**
 * Authentication: SCRAM-SHA-256 server and client, SASLprep, verifiers and their cache, MD5, and the LDAP password
 * check (JNDI on its own bounded worker threads); never a client's socket.
 */
package io.pgloom.auth;
