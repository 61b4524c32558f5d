/** Prometheus collectors, all named pgloom_*: counters the sessions bump and gauges computed at scrape time. */
package io.pgloom.metrics;
