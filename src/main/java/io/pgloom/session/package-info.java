/**
 * One client's life: accept (Listener), startup and authentication (ClientLogin, ClientAuth), the two pumps, the
 * link state machine and release rule (LinkState), timeouts (Timeouts), cancel keys, and the registry of live
 * sessions (Sessions, the runtime's SessionDirectory). Transaction-mode machinery is in session.txn, settings in
 * session.settings; both are below this package and never call up into it.
 */
package io.pgloom.session;
