// Framing: reading a DataRow-heavy result (and a small-query mix) message by message through FrameReader, the
// window the pumps and the login path use. -prof gc shows the bytes allocated per message (goal: 0).
package io.pgloom.bench;

import io.pgloom.wire.FrameReader;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FramingBenchmark {
    static final int MESSAGES = 1000;

    @Param({"datarows", "small-queries"})
    public String mix;

    private byte[] stream;
    private RewindableStream in;
    private FrameReader reader;

    /** An InputStream over one array that can be rewound without allocating. */
    static final class RewindableStream extends InputStream {
        final byte[] data;
        int pos;

        RewindableStream(byte[] data) {
            this.data = data;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= data.length) return -1;
            int n = Math.min(len, data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    @Setup
    public void setup() {
        FrameWriter w = new FrameWriter(64 * 1024);
        for (int i = 0; i < MESSAGES; i++) {
            if (mix.equals("datarows")) {
                // A DataRow of three columns: an int, a 40-byte text, a timestamp-sized text.
                w.begin(MessageType.DATA_ROW)
                        .int16(3)
                        .int32(4)
                        .bytes("1234".getBytes())
                        .int32(40)
                        .bytes(new byte[40])
                        .int32(26)
                        .bytes(new byte[26])
                        .end();
            } else {
                w.raw(
                        i % 2 == 0
                                ? Messages.query("SELECT abalance FROM pgbench_accounts WHERE aid = 42;")
                                : Messages.READY_IDLE);
            }
        }
        stream = w.toByteArray();
        in = new RewindableStream(stream);
        reader = new FrameReader(in, 32 * 1024, 1 << 20);
    }

    @Setup(Level.Invocation)
    public void rewind() {
        in.pos = 0;
        reader.clear();
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public int readMessages() throws IOException {
        int sum = 0;
        for (int i = 0; i < MESSAGES; i++) sum += reader.next() + reader.bodyLength();
        return sum;
    }
}
