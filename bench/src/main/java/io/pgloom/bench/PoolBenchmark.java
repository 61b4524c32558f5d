// Pool acquire/release: uncontended (one thread) and with 64 contending platform threads sharing a 16-connection
// pool (PoolVirtualThreadsBenchmark does the same with virtual threads). The servers are idle loopback sockets.
package io.pgloom.bench;

import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerPool;
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
        pool = servers.pool(16);
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
