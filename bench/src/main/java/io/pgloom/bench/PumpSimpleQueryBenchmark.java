// Pump round trip, simple protocol: Query "SELECT 1" answered by RowDescription, DataRow, CommandComplete,
// ReadyForQuery (pgbench -M simple).
package io.pgloom.bench;

import java.io.IOException;

public class PumpSimpleQueryBenchmark extends PumpRoundTripBenchmark {
    @Override
    int roundTrip(WireClient client) throws IOException {
        return client.simpleQuery();
    }
}
