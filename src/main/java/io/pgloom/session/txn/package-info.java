/**
 * Transaction-mode machinery: what lets a client's requests move between pooled servers. TrackedBatch accounts each
 * run of client messages (and rewrites named statements onto pgloom's shared names), ReplyTracker places pgloom's own
 * added and dropped replies in the server's reply stream, PreparedStatements and DeallocateRewrite map named
 * statements, SessionStateDetector finds session state in the SQL text. The session reaches in through TxnClient;
 * this package depends on settings, pool and wire only.
 */
package io.pgloom.session.txn;
