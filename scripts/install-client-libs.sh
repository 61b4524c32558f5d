#!/usr/bin/env bash
# Installs the client libraries ClientScriptsIT drives through pgloom: psycopg 3 and asyncpg (Debian packages, for
# /usr/bin/python3) and node-postgres (npm, into scripts/clients/node_modules from its package-lock.json); and
# promtool (Debian's prometheus package), which AlertRulesTest uses to check conf/alerts.yml and its unit tests.
# Idempotent: what is already there is not installed again, so a second run takes well under a second. A missing
# tool (no apt-get, no npm) is reported and skipped; the tests then skip with the reason. Exit 1 if an install failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PGLOOM_PYTHON:-/usr/bin/python3}

python_libs() {
  if "$PY" -c 'import psycopg, asyncpg' 2>/dev/null; then
    echo "python: psycopg and asyncpg present for $PY"
    return 0
  fi
  if ! command -v apt-get >/dev/null; then
    echo "python: no apt-get here; install psycopg 3 and asyncpg for $PY yourself (the tests skip without them)"
    return 0
  fi
  local sudo="" pkgs="python3-psycopg python3-asyncpg"
  [ "$(id -u)" = 0 ] || sudo="sudo"
  # Without an update first when the package lists already know them: the common, fast case.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $pkgs >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $pkgs >/dev/null; } \
    || return 1
  "$PY" -c 'import psycopg, asyncpg; print("python: installed psycopg", psycopg.__version__, "asyncpg", asyncpg.__version__)'
}

node_libs() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "node: node or npm not found; node-postgres not installed (the test skips without it)"
    return 0
  fi
  if (cd scripts/clients && node -e "require('pg')" 2>/dev/null); then
    echo "node: pg present in scripts/clients/node_modules"
    return 0
  fi
  (cd scripts/clients && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || return 1
  echo "node: installed pg $(cd scripts/clients && node -p "require('pg/package.json').version")"
}

promtool_tool() {
  if command -v promtool >/dev/null; then
    echo "promtool: present ($(promtool --version 2>&1 | head -1))"
    return 0
  fi
  if ! command -v apt-get >/dev/null; then
    echo "promtool: no apt-get here; install Prometheus's promtool yourself (AlertRulesTest skips its checks without it)"
    return 0
  fi
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  # Only the package, not its recommends; the prometheus server it brings is not started by the tests.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null \
         && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus >/dev/null; } \
    || return 1
  echo "promtool: installed ($(promtool --version 2>&1 | head -1))"
}

status=0
python_libs || { echo "python: installing psycopg/asyncpg failed"; status=1; }
node_libs || { echo "node: installing pg failed"; status=1; }
promtool_tool || { echo "promtool: installing prometheus failed"; status=1; }
exit $status
