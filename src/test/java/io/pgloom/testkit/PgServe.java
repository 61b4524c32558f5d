// A throwaway PostgreSQL for scripts (bench/e2e.py): starts the fixture, prints "PORT=<n>" and "MAJOR=<n>",
// and runs until its standard input closes or it is signalled.
package io.pgloom.testkit;

public final class PgServe {
    private PgServe() {}

    public static void main(String[] args) throws Exception {
        PostgresFixture pg = PostgresFixture.startNew();
        Runtime.getRuntime().addShutdownHook(new Thread(pg::close));
        System.out.println("PORT=" + pg.port());
        System.out.println("MAJOR=" + pg.majorVersion());
        System.out.flush();
        while (System.in.read() >= 0) {
            // keep running until the script closes our stdin
        }
        System.exit(0);
    }
}
