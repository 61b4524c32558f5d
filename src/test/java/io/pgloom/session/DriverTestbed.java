// What the client-library tests share: pgloom in transaction mode with 2 server connections for 20 clients (10x),
// a small max_prepared_statements so statements are evicted and prepared again, and a fresh table per test class.
package io.pgloom.session;

import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

final class DriverTestbed {
    static final int SERVERS = 2;
    static final int CLIENTS = 10 * SERVERS;

    private DriverTestbed() {}

    static ProxyHarness start() {
        return ProxyHarness.start(
                PostgresFixture.shared(),
                "transaction",
                "default_pool_size = " + SERVERS + "\nmax_prepared_statements = 5\nquery_wait_timeout = 60",
                "");
    }

    /** (Re)creates table (client int, n int, note text) directly on PostgreSQL. */
    static void freshTable(String table) throws SQLException {
        try (Connection c = PostgresFixture.shared().connect("app", "app", "app");
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (client int, n int, note text)");
        }
    }
}
