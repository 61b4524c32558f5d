/** PostgreSQL v3 message framing: type bytes, SQLSTATEs, reading and writing frames, startup packets, constant replies. */
package io.pgloom.wire;
