#!/usr/bin/env python3
# psycopg 3 through a pgloom database with target = "auto" (read/write split), autocommit as read-scaling code
# uses it: a row it just wrote is read back at once (the read stays on the primary for read_your_writes), also
# through a statement psycopg has prepared by then (prepare_threshold), and once the window has passed its reads
# go to the standby again, where the row has arrived. Exit 1 on any wrong answer.
# Connection from the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE); ROUNDS.
import os
import sys
import time

import psycopg

ROUNDS = int(os.environ.get("ROUNDS", "3"))
checks = 0


def check(cond, what):
    global checks
    if not cond:
        raise AssertionError(what)
    checks += 1


def main():
    with psycopg.connect(autocommit=True) as conn:
        for r in range(ROUNDS):
            mine = f"psycopg-{os.getpid()}-{r}-{time.time_ns()}"
            conn.execute("INSERT INTO items (v) VALUES (%s)", (mine,))
            # Seven reads in a row: psycopg prepares the statement from the fifth (prepare_threshold 5).
            for i in range(7):
                count, standby = conn.execute(
                    "SELECT count(*), pg_is_in_recovery() FROM items WHERE v = %s", (mine,)).fetchone()
                check(count == 1, f"round {r} read {i}: the row just written is seen (got {count})")
                check(standby is False, f"round {r} read {i}: within read_your_writes the read is on the primary")
            # After the window the reads go back to the standby, which has the row once it replayed it.
            deadline = time.monotonic() + 15
            while True:
                count, standby = conn.execute(
                    "SELECT count(*), pg_is_in_recovery() FROM items WHERE v = %s", (mine,)).fetchone()
                if standby and count == 1:
                    break
                check(time.monotonic() < deadline,
                      f"round {r}: reads back on the standby, with the row, after the window")
                time.sleep(0.1)
    print(f"psycopg read-your-writes: {checks} checks, 0 failed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"psycopg read-your-writes: FAILED: {e}")
        sys.exit(1)
