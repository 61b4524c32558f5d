/** JMH benchmarks of pgloom's hot path and per-login / per-query costs (make bench). */
package io.pgloom.bench;
