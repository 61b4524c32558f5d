// Pool acquire/release: uncontended (one thread) and with 64 contending threads sharing a 16-connection pool.
// The server connections are real loopback sockets that carry no traffic.
package io.pgloom.bench;

import io.pgloom.pool.PoolKey;
import io.pgloom.pool.PoolSettings;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerPool;
import io.pgloom.util.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PoolBenchmark {
    private ServerPool pool;
    private LoopbackServers servers;

    @Setup
    public void setup() throws Exception {
        servers = new LoopbackServers();
        PoolSettings s = new PoolSettings(16, 0, 0, Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ZERO,
                Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO, "");
        pool = new ServerPool(new PoolKey("bench", "bench"), s, servers::open, Clock.SYSTEM);
    }

    @TearDown
    public void tearDown() throws Exception {
        pool.closeAll();
        servers.close();
    }

    @Benchmark
    public ServerConn acquireRelease() throws Exception {
        ServerConn c = pool.acquire();
        pool.release(c);
        return c;
    }

    @Benchmark
    @Threads(64)
    public ServerConn acquireRelease64Threads() throws Exception {
        ServerConn c = pool.acquire();
        pool.release(c);
        return c;
    }
}
