// Pump round trip, extended protocol with the unnamed statement: Parse, Bind, Describe, Execute, Sync in one write
// (libpq's PQexecParams, pgbench -M extended).
package io.pgloom.bench;

import java.io.IOException;

public class PumpExtendedQueryBenchmark extends PumpRoundTripBenchmark {
    @Override
    int roundTrip(WireClient client) throws IOException {
        return client.extendedQuery();
    }
}
