/**
 * Read/write split of target = "auto" databases: which statements may run on a standby (SqlClassifier, with its
 * FunctionAllowList) and, per client, where each transaction goes (ReadWriteRouter).
 */
package io.pgloom.route;
