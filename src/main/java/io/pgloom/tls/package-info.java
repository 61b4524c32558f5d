/** JDK TLS for client connections: PEM material to SSLContext, layering TLS over an accepted socket. */
package io.pgloom.tls;
