#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the backend tests and prints
#   export TEST_DATABASE_URL=postgres://…        (trust: the backend's own database)
#   export TEST_POSTGRES_CHECK_URL=postgres://…  (a role that needs its password)
# (for eval). `scripts/postgres.sh stop DIR` stops it. When PostgreSQL cannot be started
# here, it prints why on stderr and nothing on stdout (the Postgres tests then skip, saying so).
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ "${1:-start}" = stop ]; then
  dir=${2:?usage: postgres.sh stop DIR}
  runas=""; [ "$(id -u)" = 0 ] && runas="runuser -u postgres --"
  $runas "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi

if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "postgres.sh: PostgreSQL is not installed (Debian package postgresql)" >&2
  exit 0
fi
dir=$(mktemp -d /tmp/sajtmaskin-pg.XXXXXX)
runas=""
if [ "$(id -u)" = 0 ]; then
  # The server refuses to run as root: run it as Debian's postgres user.
  if ! id postgres >/dev/null 2>&1; then
    echo "postgres.sh: running as root and there is no postgres user" >&2
    exit 0
  fi
  chown postgres "$dir"
  runas="runuser -u postgres --"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
if ! $runas "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1; then
  echo "postgres.sh: initdb failed: $(tail -n 3 "$dir/initdb.log")" >&2
  exit 0
fi
# A role that must log in with its password (the credential-check tests: right and wrong
# passwords), ahead of the `trust` lines every other connection uses.
hba="$dir/data/pg_hba.conf"
{ echo "host all sajtmaskin_check 127.0.0.1/32 scram-sha-256"; cat "$hba"; } > "$hba.new" && mv "$hba.new" "$hba"
[ -z "$runas" ] || chown postgres "$hba"
if ! $runas "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
     -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null 2>&1; then
  echo "postgres.sh: the server did not start: $(tail -n 3 "$dir/server.log" 2>/dev/null)" >&2
  exit 0
fi
if ! $runas "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
     -c "CREATE ROLE sajtmaskin_check LOGIN PASSWORD 'pg-right-pw-0123'" >/dev/null 2>"$dir/psql.log"; then
  echo "postgres.sh: creating the check role failed: $(tail -n 3 "$dir/psql.log")" >&2
fi
echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
echo "export TEST_POSTGRES_CHECK_URL=postgres://sajtmaskin_check:pg-right-pw-0123@127.0.0.1:$port/postgres"
echo "export TEST_POSTGRES_DIR=$dir"
