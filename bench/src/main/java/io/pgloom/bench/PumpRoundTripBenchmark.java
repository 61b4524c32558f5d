// The shape every pump benchmark shares: one client round trip per op, against the fake backend directly and
// through pgloom (session, transaction), with 1 and 64 concurrent clients. The difference to "direct" in the same
// run is what pgloom adds per round trip; -prof gc gives its bytes per round trip. Subclasses pick the round trip.
package io.pgloom.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;

@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public abstract class PumpRoundTripBenchmark {
    /** One round trip to ReadyForQuery; returns the DataRows seen. */
    abstract int roundTrip(WireClient client) throws IOException;

    @Benchmark
    @Threads(1)
    public int oneClient(PumpTarget target, PumpClient client) throws IOException {
        return roundTrip(client.wire);
    }

    @Benchmark
    @Threads(64)
    public int clients64(PumpTarget target, PumpClient client) throws IOException {
        return roundTrip(client.wire);
    }
}
