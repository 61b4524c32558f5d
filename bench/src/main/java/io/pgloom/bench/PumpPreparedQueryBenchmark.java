// Pump round trip of a named statement parsed once per connection: Bind, Describe, Execute, Sync (PQexecPrepared,
// pgbench -M prepared). In transaction mode pgloom maps the name onto whichever server the client gets.
package io.pgloom.bench;

import java.io.IOException;

public class PumpPreparedQueryBenchmark extends PumpRoundTripBenchmark {
    @Override
    int roundTrip(WireClient client) throws IOException {
        return client.preparedQuery();
    }
}
