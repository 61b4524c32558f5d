/** Seeing the protocol: the per-session flight recorder (message headers only) and, later, traces on demand. */
package io.pgloom.trace;
