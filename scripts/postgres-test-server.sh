#!/usr/bin/env bash
# A throwaway PostgreSQL server for the daemon's queue tests, from Debian's postgresql packages:
# its own data directory, its own port, trust authentication on loopback only.
#
#   scripts/postgres-test-server.sh start PORT DIR   # prints ZKACCEL_TEST_POSTGRES_URL=...
#   scripts/postgres-test-server.sh stop DIR         # stops it and removes DIR
#
# Installs postgresql with apt-get when it is missing (as root) and fails if it cannot.
set -euo pipefail

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $dir && -x $dir/initdb ]] && echo "$dir"
}

install_postgres() {
  [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1 \
    || die "PostgreSQL is missing: install Debian's postgresql package (the daemon's queue tests run against it)"
  echo "installing PostgreSQL (Debian's postgresql)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq postgresql >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; } \
    || die "could not install postgresql with apt-get"
}

# Runs a PostgreSQL tool as the server's owner: postgres refuses to run as root.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local port=$1 dir=$2 bin
  bin=$(pg_bin) || { install_postgres; bin=$(pg_bin) || die "postgresql installed but initdb not found"; }
  rm -rf "$dir"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ "$(id -u)" == 0 ]] && chown postgres: "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U zkaccel --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=off" start >/dev/null \
    || { cat "$dir/server.log" >&2; die "PostgreSQL did not start on port $port"; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U zkaccel zkaccel_test \
    || die "could not create the test database"
  echo "ZKACCEL_TEST_POSTGRES_URL=postgres://zkaccel@127.0.0.1:$port/zkaccel_test"
}

stop() {
  local dir=$1 bin
  [[ -d $dir/data ]] || return 0
  bin=$(pg_bin) || die "PostgreSQL binaries not found"
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) [[ $# == 3 ]] || die "usage: $0 start PORT DIR"; start "$2" "$3" ;;
  stop) [[ $# == 2 ]] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start PORT DIR | stop DIR" ;;
esac
