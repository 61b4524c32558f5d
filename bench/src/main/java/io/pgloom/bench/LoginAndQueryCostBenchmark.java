// Per-login and per-query costs off the forwarding path: SCRAM-SHA-256 server-side verification with the cached
// verifier of a configured password (PBKDF2 once, not per login), the session-state check of a typical query,
// and recording a query's metrics (must stay a small fraction of forwarding it).
package io.pgloom.bench;

import io.pgloom.auth.ScramClient;
import io.pgloom.auth.ScramServer;
import io.pgloom.metrics.Metrics;
import io.prometheus.client.Counter;
import io.prometheus.client.Histogram;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LoginAndQueryCostBenchmark {
    private Histogram.Child query;
    private Counter.Child bytes;

    @Setup
    public void setup() {
        Metrics m = new Metrics("bench");
        query = m.querySeconds.labels("app", "app");
        bytes = m.bytes.labels("app", "app", "server_to_client");
        ScramServer.forPassword("app", "secret-password"); // warm the verifier cache, as the first login does
    }

    /** A whole SCRAM exchange, server side with the cached verifier (the client side is computed too). */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public byte[] scramLogin() throws Exception {
        ScramServer server = ScramServer.forPassword("app", "secret-password");
        ScramClient client = new ScramClient("secret-password");
        byte[] first = server.handleClientFirst("SCRAM-SHA-256", client.clientFirst());
        return server.handleClientFinal(client.clientFinal(first));
    }

    /** What pgloom records per query: one histogram observation and one byte counter. */
    @Benchmark
    public void recordQueryMetrics() {
        query.observe(0.00042);
        bytes.inc(512);
    }
}
