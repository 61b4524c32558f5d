/**
 * A client's settings across pooled servers: what it wants (startup parameters, reported changes, SETs read back at
 * the end of a transaction, resets), and how a server is brought to exactly those settings when it is linked
 * (ParameterSync). Depends on pool and wire only; the session owns one ClientSettings per client.
 */
package io.pgloom.session.settings;
