// Pool acquire/release with 64 contending virtual threads sharing a 16-connection pool, as pgloom's sessions do.
// One op = 64 x 200 acquire/release cycles by 64 long-lived virtual threads, started and awaited through a barrier;
// the score is per cycle (the two barrier trips per op are spread over its 12,800 cycles).
package io.pgloom.bench;

import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerPool;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PoolVirtualThreadsBenchmark {
    static final int THREADS = 64;
    static final int CYCLES_PER_THREAD = 200;

    private LoopbackServers servers;
    private ServerPool pool;
    private final CyclicBarrier start = new CyclicBarrier(THREADS + 1);
    private final CyclicBarrier done = new CyclicBarrier(THREADS + 1);
    private final Thread[] workers = new Thread[THREADS];
    private volatile boolean stop;
    private volatile Exception failure;

    @Setup
    public void setup() throws Exception {
        servers = new LoopbackServers();
        pool = servers.pool(16);
        for (int i = 0; i < THREADS; i++)
            workers[i] = Thread.ofVirtual().name("bench-client-" + i).start(this::work);
    }

    private void work() {
        try {
            while (true) {
                start.await();
                if (stop) return;
                try {
                    for (int i = 0; i < CYCLES_PER_THREAD; i++) {
                        ServerConn c = pool.acquire();
                        pool.release(c);
                    }
                } catch (Exception e) {
                    failure = e;
                }
                done.await();
            }
        } catch (Exception barrierBroken) {
            // teardown or a broken run: the benchmark thread reports it
        }
    }

    @Benchmark
    @OperationsPerInvocation(THREADS * CYCLES_PER_THREAD)
    public void acquireRelease64VirtualThreads() throws Exception {
        start.await();
        done.await();
        if (failure != null) throw failure;
    }

    @TearDown
    public void tearDown() throws Exception {
        stop = true;
        start.await(10, TimeUnit.SECONDS);
        for (Thread t : workers) t.join(10_000);
        pool.closeAll();
        servers.close();
    }
}
