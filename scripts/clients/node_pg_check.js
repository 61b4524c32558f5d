#!/usr/bin/env node
// node-postgres (npm pg) through pgloom in transaction mode, the way an application uses it: named queries
// ({name, text, values}, parsed once per connection and reused), transactions with an error inside, a pg.Pool
// shared by many tasks. Many clients at once; every answer is checked; exit 1 on any wrong answer.
// Connection from the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE); CLIENTS, ROUNDS.
'use strict';
const pg = require('pg');

const CLIENTS = Number(process.env.CLIENTS || 20);
const ROUNDS = Number(process.env.ROUNDS || 3);
const TABLE = 'node_pg_check';
let checks = 0;

function check(cond, what) {
  if (!cond) throw new Error(what);
  checks++;
}

async function namedQueries(c, cid) {
  // The same eight names on every connection: pg parses each once per connection, then only binds it.
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < 8; k++) {
      const res = await c.query({ name: `add_${k}`, text: `SELECT $1::int + ${k} AS v, $2::text AS who`,
        values: [cid * 1000 + r, `c${cid}`] });
      check(res.rows.length === 1 && res.rows[0].v === cid * 1000 + r + k && res.rows[0].who === `c${cid}`,
        `client ${cid} named query ${k} round ${r}: ${JSON.stringify(res.rows)}`);
    }
  }
}

async function transactions(c, cid) {
  await c.query('BEGIN');
  for (let n = 0; n < 5; n++) {
    await c.query({ name: 'ins', text: `INSERT INTO ${TABLE} (client, n, note) VALUES ($1, $2, $3)`, values: [cid, n, 'committed'] });
  }
  let res = await c.query({ name: 'count', text: `SELECT count(*)::int AS c FROM ${TABLE} WHERE client = $1`, values: [cid] });
  check(res.rows[0].c === 5, `client ${cid} sees its uncommitted rows: ${res.rows[0].c}`);
  await c.query('COMMIT');
  // An error inside a transaction: the transaction is failed until ROLLBACK, then everything works again.
  await c.query('BEGIN');
  await c.query({ name: 'ins', text: `INSERT INTO ${TABLE} (client, n, note) VALUES ($1, $2, $3)`, values: [cid, 99, 'doomed'] });
  let failed = null;
  try {
    await c.query({ name: 'div', text: 'SELECT 1 / $1::int AS v', values: [0] });
  } catch (e) {
    failed = e.code;
  }
  check(failed === '22012', `client ${cid}: division by zero reported as ${failed}`);
  failed = null;
  try {
    await c.query({ name: 'count', text: `SELECT count(*)::int AS c FROM ${TABLE} WHERE client = $1`, values: [cid] });
  } catch (e) {
    failed = e.code;
  }
  check(failed === '25P02', `client ${cid}: failed transaction refuses statements: ${failed}`);
  await c.query('ROLLBACK');
  res = await c.query({ name: 'count', text: `SELECT count(*)::int AS c FROM ${TABLE} WHERE client = $1`, values: [cid] });
  check(res.rows[0].c === 5, `client ${cid} after rollback: ${res.rows[0].c}`);
  res = await c.query({ name: 'div', text: 'SELECT 1 / $1::int AS v', values: [1] });
  check(res.rows[0].v === 1, `client ${cid}: the named statement works after the error`);
}

async function bigResult(c, cid) {
  // A named query returning many rows, as arrays.
  const res = await c.query({ name: 'series', text: 'SELECT g, $1::int * g AS v FROM generate_series(1, 500) g',
    values: [cid], rowMode: 'array' });
  check(res.rows.length === 500 && res.rows.every(([g, v]) => v === cid * g), `client ${cid} big result`);
}

async function client(cid) {
  const c = new pg.Client({ connectionTimeoutMillis: 20000 });
  await c.connect();
  try {
    await namedQueries(c, cid);
    await transactions(c, cid);
    await bigResult(c, cid);
  } finally {
    await c.end();
  }
}

async function pooled(pool, task) {
  const res = await pool.query({ name: 'pooled', text: 'SELECT $1::int + 1 AS v, pg_backend_pid() AS pid', values: [task] });
  check(res.rows[0].v === task + 1, `pool task ${task}: ${res.rows[0].v}`);
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query({ name: 'ins', text: `INSERT INTO ${TABLE} (client, n, note) VALUES ($1, $2, $3)`, values: [-1, task, 'pool'] });
    await c.query('COMMIT');
  } finally {
    c.release();
  }
}

async function main() {
  const setup = new pg.Client();
  await setup.connect();
  await setup.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await setup.query(`CREATE TABLE ${TABLE} (client int, n int, note text)`);
  await setup.end();
  const failures = [];
  const guard = (p, who) => p.catch((e) => failures.push(`${who}: ${e.stack || e}`));
  await Promise.all([...Array(CLIENTS).keys()].map((cid) => guard(client(cid), `client ${cid}`)));
  const pool = new pg.Pool({ max: Math.max(2, CLIENTS / 2), connectionTimeoutMillis: 20000 });
  await Promise.all([...Array(CLIENTS * 5).keys()].map((t) => guard(pooled(pool, t), `pool task ${t}`)));
  const res = await pool.query(`SELECT count(*)::int AS c, count(DISTINCT n)::int AS d FROM ${TABLE} WHERE client = -1`);
  guard(Promise.resolve().then(() => check(res.rows[0].c === CLIENTS * 5 && res.rows[0].d === CLIENTS * 5,
    `pool rows: ${JSON.stringify(res.rows[0])}`)), 'pool');
  await pool.end();
  failures.forEach((f) => console.error(f));
  const version = require('pg/package.json').version;
  console.log(`node-postgres ${version} (node ${process.version}): ${CLIENTS} clients, ${checks} checks passed, ${failures.length} failed`);
  process.exitCode = failures.length ? 1 : 0;
}

const timer = setTimeout(() => { console.error('did not finish within 120 s'); process.exit(1); }, 120000);
timer.unref();
main().catch((e) => { console.error(e.stack || e); process.exitCode = 1; });
