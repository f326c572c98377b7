#!/usr/bin/env bash
# Starts and stops the S3-compatible server the daemon's artifact-store tests run against
# (moto's server, from PyPI, installed into the git-ignored .tools/moto virtualenv).
#
# Usage: scripts/s3-test-server.sh start <port> <dir>   # prints ZKACCEL_TEST_S3_ENDPOINT=http://127.0.0.1:<port>
#        scripts/s3-test-server.sh stop <dir>
#
# <dir> receives the server's pid file (moto.pid) and log (moto.log). The server starts empty:
# each test creates its own bucket. Everything but the final line goes to stderr, so
#   export "$(scripts/s3-test-server.sh start 9324 target/s3-test)"
# sets the variable the tests read (host/tests/daemon_artifacts.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_SPEC='moto[server]>=5,<6'
VENV=.tools/moto

die() { printf 's3-test-server: error: %s\n' "$*" >&2; exit 1; }
say() { printf 's3-test-server: %s\n' "$*" >&2; }
usage() { die "usage: $0 start <port> <dir> | $0 stop <dir>"; }

# Whether something answers HTTP on 127.0.0.1:$1 (python3 is needed for moto anyway).
answers() {
  python3 - "$1" <<'EOF' 2>/dev/null
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=2)
except urllib.error.HTTPError:
    pass  # an HTTP answer, even an error, means the server is up
except Exception:
    sys.exit(1)
EOF
}

install_moto() {
  [[ -x $VENV/bin/moto_server ]] && return
  command -v python3 >/dev/null 2>&1 || die "python3 is not installed: install python3 (3.9 or later) with its venv module"
  say "installing $MOTO_SPEC into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV" >&2 || die "python3 -m venv failed: install the python3-venv package"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$MOTO_SPEC" >&2 \
    || { rm -rf "$VENV"; die "could not install $MOTO_SPEC from PyPI with pip"; }
  [[ -x $VENV/bin/moto_server ]] || die "$MOTO_SPEC installed but $VENV/bin/moto_server is missing"
}

start() {
  local port=$1 dir=$2
  [[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || die "not a port: $port"
  mkdir -p "$dir"
  local pidfile=$dir/moto.pid log=$dir/moto.log
  if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    die "a server started from $dir is already running (pid $(cat "$pidfile")); run: $0 stop $dir"
  fi
  answers "$port" && die "something already answers on 127.0.0.1:$port"
  install_moto
  # setsid: the server outlives this script and ignores the caller's Ctrl-C process group.
  setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pidfile"
  local i
  for ((i = 0; i < 150; i++)); do
    if answers "$port"; then
      say "moto (pid $pid) answers on 127.0.0.1:$port; log: $log"
      echo "ZKACCEL_TEST_S3_ENDPOINT=http://127.0.0.1:$port"
      return
    fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log" >&2; rm -f "$pidfile"; die "moto_server exited at start (log: $log)"; }
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  die "moto_server did not answer on 127.0.0.1:$port within 30 s (log: $log)"
}

stop() {
  local dir=$1 pidfile=$1/moto.pid pid
  [[ -f $pidfile ]] || { say "no server started from $dir"; return; }
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    say "stopped moto (pid $pid)"
  else
    say "moto (pid $pid) was not running"
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  start) [[ $# == 3 ]] || usage; start "$2" "$3" ;;
  stop) [[ $# == 2 ]] || usage; stop "$2" ;;
  *) usage ;;
esac
