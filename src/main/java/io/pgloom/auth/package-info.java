/** Authentication math: SCRAM-SHA-256 (both sides), MD5, verifier parsing; no sockets, no config. */
package io.pgloom.auth;
