/** Authentication math: SCRAM-SHA-256 server and client, SASLprep, verifiers and their cache, MD5; no sockets, no config. */
package io.pgloom.auth;
