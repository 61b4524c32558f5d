// One benchmark thread's client connection to the PumpTarget, logged in before measuring and closed after.
package io.pgloom.bench;

import java.io.IOException;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

@State(Scope.Thread)
public class PumpClient {
    WireClient wire;

    @Setup(Level.Trial)
    public void open(PumpTarget target) throws IOException {
        wire = WireClient.connect(target.port(), "bench", "bench");
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        wire.close();
    }
}
