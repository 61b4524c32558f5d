// The [trace] table: where TRACE writes (a text file, optionally a pcap file, both rotated by size), how long a
// trace may run, and whether values may appear. Read from the file only: no admin command can change it.
package io.pgloom.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * @param pcapFile null when no pcap is written
 * @param traceValues parameter values, row values and COPY data shown instead of redacted (passwords never are)
 */
public record TraceSettings(
        Path file,
        Path pcapFile,
        long maxFileBytes,
        int keepFiles,
        Duration defaultDuration,
        Duration maxDuration,
        int queueSize,
        boolean traceValues) {}
