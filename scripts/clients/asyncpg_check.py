#!/usr/bin/env python3
# asyncpg through pgloom in transaction mode, the way an application uses it: its statement cache (small, so it
# evicts), prepared statements, executemany, transactions and savepoints, cursors, COPY, and a connection pool
# whose release runs RESET ALL. Many clients at once; every answer is checked; exit 1 on any wrong answer.
# Connection from the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE); CLIENTS, ROUNDS.
import asyncio
import os
import sys
import traceback

import asyncpg

CLIENTS = int(os.environ.get("CLIENTS", "20"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
TABLE = "asyncpg_check"
checks = 0


def check(cond, what):
    global checks
    if not cond:
        raise AssertionError(what)
    checks += 1


async def statement_cache(conn, cid):
    # Eight distinct statements through a cache of four: asyncpg closes the ones it evicts.
    for r in range(ROUNDS):
        for k in range(8):
            row = await conn.fetchrow(f"SELECT $1::int + {k} AS v, $2::text AS who", cid * 1000 + r, f"c{cid}")
            check((row["v"], row["who"]) == (cid * 1000 + r + k, f"c{cid}"), f"client {cid} statement {k}: {row}")


async def prepared(conn, cid):
    stmt = await conn.prepare(f"SELECT $1::int * 3 AS v, $2::int[] AS arr")
    for n in range(5):
        row = await stmt.fetchrow(cid + n, [cid, n])
        check((row["v"], row["arr"]) == ((cid + n) * 3, [cid, n]), f"client {cid} prepared: {row}")
    check([a.name for a in stmt.get_attributes()] == ["v", "arr"], f"client {cid} statement attributes")


async def transactions(conn, cid):
    async with conn.transaction():
        await conn.executemany(f"INSERT INTO {TABLE} (client, n, note) VALUES ($1, $2, $3)",
                               [(cid, n, f"many-{n}") for n in range(40)])
        got = await conn.fetchval(f"SELECT count(*) FROM {TABLE} WHERE client = $1", cid)
        check(got == 40, f"client {cid} sees its uncommitted executemany rows: {got}")
        try:
            async with conn.transaction():  # a savepoint
                await conn.execute(f"INSERT INTO {TABLE} (client, n, note) VALUES ($1, $2, $3)", cid, 1000, "savepoint")
                await conn.execute("SELECT 1 / $1::int", 0)
        except asyncpg.DivisionByZeroError:
            pass
        got = await conn.fetchval(f"SELECT count(*) FROM {TABLE} WHERE client = $1 AND note = 'savepoint'", cid)
        check(got == 0, f"client {cid}: the savepoint rolled back: {got}")
        # A cursor keeps its portal on the server for the whole transaction.
        seen = [r["n"] async for r in conn.cursor(f"SELECT n FROM {TABLE} WHERE client = $1 ORDER BY n", cid, prefetch=7)]
        check(seen == list(range(40)), f"client {cid} cursor: {seen[:5]}...")
    try:
        async with conn.transaction():
            await conn.execute(f"INSERT INTO {TABLE} (client, n, note) VALUES ($1, $2, $3)", cid, 2000, "rolled back")
            raise KeyError("roll back")
    except KeyError:
        pass
    got = await conn.fetchval(f"SELECT count(*) FROM {TABLE} WHERE client = $1", cid)
    check(got == 40, f"client {cid} after rollback: {got}")


async def copy_and_types(conn, cid):
    await conn.copy_records_to_table(TABLE, records=[(cid, n, f"copied-{n}") for n in range(100, 130)],
                                     columns=["client", "n", "note"])
    got = await conn.fetchrow(f"SELECT count(*) AS c, sum(n) AS s FROM {TABLE} WHERE client = $1 AND note LIKE 'copied-%'", cid)
    check((got["c"], got["s"]) == (30, sum(range(100, 130))), f"client {cid} copy: {got}")
    # Type introspection (a composite and json) goes through asyncpg's own prepared statements.
    row = await conn.fetchrow("SELECT $1::jsonb ->> 'k' AS j, ROW($2::int, 'x')::record AS r, $3::numeric AS d",
                              f'{{"k": "v{cid}"}}', cid, "1.50")
    check(row["j"] == f"v{cid}" and tuple(row["r"]) == (cid, "x") and str(row["d"]) == "1.50", f"client {cid} types: {row}")


async def pool_keeps_settings(cid):
    # asyncpg's pool resets a connection on release (RESET ALL among others); startup settings must survive it.
    pool = await asyncpg.create_pool(min_size=1, max_size=1, statement_cache_size=4, server_settings={
        "application_name": f"pool-{cid}", "TimeZone": "Asia/Tokyo", "statement_timeout": "4321"})
    try:
        for _ in range(3):
            async with pool.acquire() as conn:
                row = await conn.fetchrow("SELECT current_setting('application_name') AS a, "
                                          "current_setting('TimeZone') AS tz, current_setting('statement_timeout') AS st")
                check(tuple(row) == (f"pool-{cid}", "Asia/Tokyo", "4321ms"), f"client {cid} pooled settings: {tuple(row)}")
                check(conn.get_settings().application_name == f"pool-{cid}", f"client {cid} reported application_name")
                await statement_cache(conn, cid)
    finally:
        await pool.close()


async def client(cid, failures):
    try:
        conn = await asyncpg.connect(statement_cache_size=4, timeout=20)
        try:
            for step in (statement_cache, prepared, transactions, copy_and_types):
                await step(conn, cid)
        finally:
            await conn.close()
        await pool_keeps_settings(cid)
    except Exception:
        failures.append(f"client {cid}: {traceback.format_exc()}")


async def main():
    conn = await asyncpg.connect(timeout=20)
    await conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    await conn.execute(f"CREATE TABLE {TABLE} (client int, n int, note text)")
    await conn.close()
    failures = []
    await asyncio.wait_for(asyncio.gather(*(client(cid, failures) for cid in range(CLIENTS))), timeout=120)
    for f in failures:
        print(f, file=sys.stderr)
    print(f"asyncpg {asyncpg.__version__}: {CLIENTS} clients, {checks} checks passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
