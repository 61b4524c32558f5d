#!/usr/bin/env bash
# Installs the client libraries ClientScriptsIT drives through pgloom: psycopg 3 and asyncpg (Debian packages, for
# /usr/bin/python3) and node-postgres (npm, into scripts/clients/node_modules from its package-lock.json).
# Idempotent: what is already there is not installed again, so a second run takes a second. Missing tools
# (no apt-get, no npm) are reported and skipped; the tests then skip with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PGLOOM_PYTHON:-/usr/bin/python3}

if "$PY" -c 'import psycopg, asyncpg' 2>/dev/null; then
  echo "python: psycopg and asyncpg present for $PY"
elif command -v apt-get >/dev/null; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  pkgs="python3-psycopg python3-asyncpg"
  # Without an update first when the package lists already know them: the common, fast case.
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $pkgs >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $pkgs >/dev/null; }
  "$PY" -c 'import psycopg, asyncpg; print("python: installed psycopg", psycopg.__version__, "asyncpg", asyncpg.__version__)'
else
  echo "python: no apt-get here; install psycopg 3 and asyncpg for $PY yourself (the tests skip without them)"
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node: node or npm not found; node-postgres not installed (the test skips without it)"
elif (cd scripts/clients && node -e "require('pg')" 2>/dev/null); then
  echo "node: pg present in scripts/clients/node_modules"
else
  (cd scripts/clients && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "node: installed pg $(cd scripts/clients && node -p "require('pg/package.json').version")"
fi
