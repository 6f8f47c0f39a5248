#!/usr/bin/env bash
# The test suite on SQLite and, when BEFFROI_TEST_POSTGRES_URL is set, the database tests again on
# PostgreSQL, both at once: each pytest keeps one core busy and CI machines have two. The PostgreSQL
# pass writes to var/pytest-postgresql.log, printed when it ends. Fails when either pass fails.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

pg_pid=""
if [ -n "${BEFFROI_TEST_POSTGRES_URL:-}" ]; then
  mkdir -p var
  pg_log=var/pytest-postgresql.log
  echo "== PostgreSQL pass (pytest -m django_db) started in the background: $pg_log"
  # Its own Redis database, should a database test use the real queue.
  pg_redis="${BEFFROI_TEST_REDIS_URL:+${BEFFROI_TEST_REDIS_URL%/*}/14}"
  DATABASE_URL="$BEFFROI_TEST_POSTGRES_URL" BEFFROI_TEST_REDIS_URL="$pg_redis" \
    "$BIN/pytest" -m django_db "$@" >"$pg_log" 2>&1 &
  pg_pid=$!
fi

echo "== SQLite pass (pytest)"
"$BIN/pytest" "$@"
sqlite_status=$?

pg_status=0
if [ -n "$pg_pid" ]; then
  wait "$pg_pid"
  pg_status=$?
  echo "== PostgreSQL pass (pytest -m django_db): exit status $pg_status"
  cat "$pg_log"
fi
exit $((sqlite_status != 0 || pg_status != 0))
