#!/usr/bin/env python3
# psycopg 3 through pgloom in transaction mode, the way an application uses it: statements prepared after
# prepare_threshold and evicted (SQL DEALLOCATE) past prepared_max, pipeline mode, executemany, transactions that
# commit and roll back, named cursors, COPY, settings of its own (SET, set_config) that no other client sees. Many clients at once; every answer is checked; exit 1 on any wrong answer.
# Connection from the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE); CLIENTS, ROUNDS.
import logging
import os
import sys
import threading
import traceback

import psycopg
from psycopg import errors

CLIENTS = int(os.environ.get("CLIENTS", "20"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
TABLE = "psycopg_check"
# psycopg warns when it leaves a pipeline that had an error: expected here (the error is the point of that check).
logging.getLogger("psycopg").setLevel(logging.ERROR)
checks = 0
checks_lock = threading.Lock()


def check(cond, what):
    global checks
    if not cond:
        raise AssertionError(what)
    with checks_lock:
        checks += 1


def statement_cache(conn, cid):
    # Eight distinct statements through a cache of four: every round evicts, psycopg sends DEALLOCATE _pg3_N.
    for r in range(ROUNDS):
        for k in range(8):
            v = conn.execute(f"SELECT %s::int + {k}, %s::text", (cid * 1000 + r, f"c{cid}")).fetchone()
            check(v == (cid * 1000 + r + k, f"c{cid}"), f"client {cid} statement {k} round {r}: {v}")


def transactions(conn, cid):
    with conn.transaction():
        for n in range(3):
            conn.execute(f"INSERT INTO {TABLE} (client, n, note) VALUES (%s, %s, %s)", (cid, n, "committed"))
        got = conn.execute(f"SELECT count(*) FROM {TABLE} WHERE client = %s AND note = 'committed'", (cid,)).fetchone()[0]
        check(got == 3, f"client {cid} sees its uncommitted rows: {got}")
    # A rollback makes psycopg forget every prepared statement and send DEALLOCATE ALL.
    try:
        with conn.transaction():
            conn.execute(f"INSERT INTO {TABLE} (client, n, note) VALUES (%s, %s, %s)", (cid, 99, "rolled back"))
            raise KeyError("roll back")
    except KeyError:
        pass
    got = conn.execute(f"SELECT count(*), count(*) FILTER (WHERE note = 'rolled back') FROM {TABLE} WHERE client = %s",
                       (cid,)).fetchone()
    check(got == (3, 0), f"client {cid} after rollback: {got}")
    statement_cache(conn, cid)  # statements prepare again after DEALLOCATE ALL


def pipeline(conn, cid):
    with conn.pipeline():
        curs = []
        for n in range(10, 30):
            conn.execute(f"INSERT INTO {TABLE} (client, n, note) VALUES (%s, %s, %s)", (cid, n, "pipeline"))
            curs.append((n, conn.execute("SELECT %s::int * 2", (n,))))
        for n, cur in curs:
            v = cur.fetchone()[0]
            check(v == n * 2, f"client {cid} pipelined select {n}: {v}")
    # Eight statements through a cache of four inside one pipeline: evictions are pipelined DEALLOCATEs.
    with conn.pipeline():
        curs = [(r, k, conn.execute(f"SELECT %s::int - {k}", (cid * 100 + r,))) for r in range(3) for k in range(8)]
        for r, k, cur in curs:
            v = cur.fetchone()[0]
            check(v == cid * 100 + r - k, f"client {cid} pipelined statement {k} round {r}: {v}")
    got = conn.execute(f"SELECT count(*) FROM {TABLE} WHERE client = %s AND note = 'pipeline'", (cid,)).fetchone()[0]
    check(got == 20, f"client {cid} pipelined inserts: {got}")
    # An error in the middle of a pipeline: what came after it in the same transaction is not applied.
    try:
        with conn.pipeline():
            with conn.transaction():
                conn.execute(f"INSERT INTO {TABLE} (client, n, note) VALUES (%s, %s, %s)", (cid, 50, "doomed"))
                conn.execute("SELECT 1 / %s::int", (0,))
                conn.execute(f"INSERT INTO {TABLE} (client, n, note) VALUES (%s, %s, %s)", (cid, 51, "doomed"))
        check(False, f"client {cid}: division by zero was not reported")
    except errors.DivisionByZero:
        pass
    got = conn.execute(f"SELECT count(*) FROM {TABLE} WHERE client = %s AND note = 'doomed'", (cid,)).fetchone()[0]
    check(got == 0, f"client {cid}: rows of the failed pipelined transaction: {got}")


def executemany(conn, cid):
    rows = [(cid, n, f"many-{n}") for n in range(100, 150)]
    with conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {TABLE} (client, n, note) VALUES (%s, %s, %s)", rows)
        cur.executemany(f"INSERT INTO {TABLE} (client, n, note) VALUES (%s, %s, %s) RETURNING n * 10",
                        [(cid, n, "returning") for n in range(200, 210)], returning=True)
        got = []
        while True:
            got.append(cur.fetchone()[0])
            if not cur.nextset():
                break
        check(got == [n * 10 for n in range(200, 210)], f"client {cid} executemany returning: {got}")
    got = conn.execute(f"SELECT count(*), min(n), max(n), bool_and(note = 'many-' || n) FROM {TABLE} "
                       f"WHERE client = %s AND note LIKE 'many-%%'", (cid,)).fetchone()
    check(got == (50, 100, 149, True), f"client {cid} executemany rows: {got}")


def cursors_and_copy(conn, cid):
    # A server-side (named) cursor lives inside its transaction; COPY both ways.
    with conn.transaction():
        with conn.cursor(name=f"cur_{cid}") as cur:
            cur.itersize = 7
            cur.execute(f"SELECT n FROM {TABLE} WHERE client = %s AND note LIKE 'many-%%' ORDER BY n", (cid,))
            seen = [r[0] for r in cur]
        check(seen == list(range(100, 150)), f"client {cid} named cursor: {seen[:3]}...")
    with conn.cursor() as cur:
        with cur.copy(f"COPY {TABLE} (client, n, note) FROM STDIN") as copy:
            for n in range(300, 320):
                copy.write_row((cid, n, f"copy-{n}"))
        out = []
        with cur.copy(f"COPY (SELECT n FROM {TABLE} WHERE client = {cid} AND note LIKE 'copy-%' ORDER BY n) TO STDOUT") as copy:
            for row in copy.rows():
                out.append(int(row[0]))
        check(out == list(range(300, 320)), f"client {cid} copy: {out[:3]}...")
    if not conn.autocommit:
        conn.commit()


def unknown_statement(conn, cid):
    # DEALLOCATE of a name nobody prepared gets PostgreSQL's own error, and the connection goes on.
    try:
        conn.execute("DEALLOCATE no_such_statement")
        check(False, f"client {cid}: DEALLOCATE of an unknown name succeeded")
    except errors.InvalidSqlStatementName:
        check(True, "unknown name gives 26000")
    if not conn.autocommit:
        conn.rollback()
    statement_cache(conn, cid)


def own_settings(conn, cid):
    # Settings are the client's own in transaction mode: what it SETs holds on whichever server its next transactions
    # land on (20 clients over 2 servers), and no other client ever sees it (main() checks a fresh one afterwards).
    zone = ["Asia/Kathmandu", "America/Lima", "Europe/Paris", "Asia/Tokyo"][cid % 4]
    conn.execute(f"SET timezone TO '{zone}'")
    conn.execute(f"SET statement_timeout = '{1001 + cid}ms'")
    conn.execute("SET search_path TO pg_catalog, public")
    conn.execute(f"SELECT set_config('app.client', '{cid}', false)")
    if not conn.autocommit:
        conn.commit()
    for r in range(ROUNDS * 3):
        got = conn.execute("SELECT current_setting('TimeZone'), current_setting('statement_timeout'), "
                           "current_setting('search_path'), current_setting('app.client')").fetchone()
        check(got == (zone, f"{1001 + cid}ms", "pg_catalog, public", str(cid)), f"client {cid} settings round {r}: {got}")
        if not conn.autocommit:
            conn.commit()
    conn.execute("RESET ALL")
    if not conn.autocommit:
        conn.commit()


def final_check(conn, cid):
    got = conn.execute(f"SELECT count(*) FROM {TABLE} WHERE client = %s", (cid,)).fetchone()[0]
    check(got == 3 + 20 + 50 + 10 + 20, f"client {cid} owns exactly its rows: {got}")


def client(cid, failures):
    try:
        # Half the clients use psycopg's default (a transaction opened implicitly, ended by commit), half autocommit;
        # prepare on first use or on the second.
        autocommit = cid % 2 == 0
        with psycopg.connect(autocommit=autocommit, prepare_threshold=cid % 2, connect_timeout=20) as conn:
            conn.prepared_max = 4
            for step in (statement_cache, transactions, pipeline, executemany, cursors_and_copy, unknown_statement,
                         own_settings, final_check):
                step(conn, cid)
                if not autocommit:
                    conn.commit()
    except Exception:
        failures.append(f"client {cid}: {traceback.format_exc()}")


def main():
    settings = "SELECT current_setting('TimeZone'), current_setting('statement_timeout'), current_setting('search_path')"
    with psycopg.connect(autocommit=True, connect_timeout=20) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
        conn.execute(f"CREATE TABLE {TABLE} (client int, n int, note text)")
        defaults = conn.execute(settings).fetchone()
    failures = []
    threads = [threading.Thread(target=client, args=(cid, failures)) for cid in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if any(t.is_alive() for t in threads):
        failures.append("some clients did not finish within 120 s")
    # New clients start from the server's defaults, whatever the ones before them SET (on every server of the pool).
    fresh = [psycopg.connect(autocommit=False, connect_timeout=20) for _ in range(2)]
    for conn in fresh:
        got = conn.execute(settings).fetchone()  # each holds its server in a transaction: two different servers
        if got != defaults:
            failures.append(f"a new client inherited settings: {got}, defaults {defaults}")
    for conn in fresh:
        conn.close()
    for f in failures:
        print(f, file=sys.stderr)
    print(f"psycopg {psycopg.__version__} (libpq {psycopg.pq.version()}): {CLIENTS} clients, {checks} checks passed, "
          f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
