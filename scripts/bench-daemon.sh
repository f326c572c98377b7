#!/usr/bin/env bash
# The daemon's benchmarks (docs/BENCHMARKS.md, "Daemon") with one command, on this machine:
#
#   1. SQLite queue (the embedded default: WAL, synchronous=FULL): `zkaccel loadgen latency`
#      (queue overhead of a trivial job, one at a time) and `loadgen throughput` (open-loop
#      submissions at a fixed rate, every job checked done exactly once); then `loadgen groth16`
#      on the same daemon (the 2^16-domain Poseidon chain when its fixture exists, else the small
#      committed one).
#   2. `zkaccel prove` of the same zkey and witness, with no daemon running: median of N runs
#      after one untimed run; the daemon job ÷ prove ratio.
#   3. PostgreSQL queue (its own server from Debian's packages, fsync ON, synchronous_commit on,
#      over loopback TCP): latency and throughput again.
#   4. The raw cost of a durable commit on this disk (pg_test_fsync, and dd with oflag=dsync), to
#      read the queue figures against.
#
# Each daemon runs with ZKACCEL__DEVICES=cpu, its own data directory in a temporary directory, the
# tenant made on first start (<data_dir>/default.token), and the rate limit raised
# (ZKACCEL__LIMITS__REQUESTS_PER_SECOND / BURST) so the load generator is not throttled.
# Results (JSON per run, summary.json, summary.txt) and logs go to target/bench-daemon/.
# Everything started here is stopped on exit.
#
# Usage: scripts/bench-daemon.sh [options]
#   --latency-jobs N   timed jobs of `loadgen latency` (default 300, after 20 warm-up jobs)
#   --rate R           submissions per second of `loadgen throughput` (default 200)
#   --duration S       seconds of submissions (default 60)
#   --groth16-jobs N   timed Groth16 jobs on the daemon (default 10)
#   --prove-runs N     timed `zkaccel prove` runs (default 5)
#   --circuit DIR      a directory with circuit.zkey and witness.wtns (default: the 2^16 chain
#                      target/groth16-fixtures/poseidon_chain_200, built by
#                      scripts/groth16-fixtures.sh when node is there, else
#                      host/tests/fixtures/groth16/poseidon_chain_small)
#   --no-postgres      skip the PostgreSQL runs
#   --no-build         use target/release/zkaccel as it is
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
step() { printf '==> %s\n' "$*" >&2; }

latency_jobs=300
rate=200
duration=60
groth16_jobs=10
prove_runs=5
circuit_dir=""
postgres=1
build=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --latency-jobs) latency_jobs=${2:?--latency-jobs needs a number}; shift ;;
    --rate) rate=${2:?--rate needs a number}; shift ;;
    --duration) duration=${2:?--duration needs seconds}; shift ;;
    --groth16-jobs) groth16_jobs=${2:?--groth16-jobs needs a number}; shift ;;
    --prove-runs) prove_runs=${2:?--prove-runs needs a number}; shift ;;
    --circuit) circuit_dir=${2:?--circuit needs a directory}; shift ;;
    --no-postgres) postgres=0 ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
  shift
done
[[ $prove_runs =~ ^[1-9][0-9]*$ ]] || die "--prove-runs wants a positive number, got $prove_runs"
command -v curl >/dev/null || die "curl is missing"
command -v jq >/dev/null || die "jq is missing (Debian package jq)"

out=$root/target/bench-daemon
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.log "$out"/summary.txt

if [[ $build == 1 ]]; then
  step "building zkaccel (release)"
  cargo build --release -p zkaccel >&2
fi
[[ -x $root/target/release/zkaccel ]] || die "target/release/zkaccel is missing"

work=$(mktemp -d /tmp/zkaccel-bench-daemon.XXXXXX)
chmod 755 "$work"
# One binary for the whole run, whatever rebuilds target/release meanwhile.
cp "$root/target/release/zkaccel" "$work/zkaccel"
zkaccel=$work/zkaccel
daemon_pid=""
pg_data=""

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $dir && -x $dir/initdb ]] && echo "$dir"
}

# PostgreSQL refuses to run as root: its tools run as the postgres user then.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_daemon() {
  if [[ -n $daemon_pid ]]; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
    daemon_pid=""
  fi
}

stop_postgres() {
  if [[ -n $pg_data ]]; then
    as_owner "$(pg_bin)/pg_ctl" -D "$pg_data" -m fast stop >/dev/null 2>&1 || true
    pg_data=""
  fi
}

cleanup() {
  stop_daemon
  stop_postgres
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts a daemon on the queue DATABASE_URL with data under DIR; sets daemon_pid, url, token.
start_daemon() {
  local name=$1 database_url=$2 dir=$3 log=$out/daemon-$1.log
  mkdir -p "$dir"
  step "starting a daemon on $name"
  ZKACCEL__LISTEN=127.0.0.1:0 \
    ZKACCEL__DATABASE_URL=$database_url \
    ZKACCEL__DATA_DIR=$dir \
    ZKACCEL__ARTIFACTS__KIND=local \
    ZKACCEL__ARTIFACTS__PATH=$dir/artifacts \
    ZKACCEL__DEVICES=cpu \
    ZKACCEL__LIMITS__REQUESTS_PER_SECOND=1000000 \
    ZKACCEL__LIMITS__BURST=1000000 \
    "$zkaccel" daemon >"$log" 2>&1 &
  daemon_pid=$!
  local addr=""
  for _ in $(seq 600); do
    addr=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$log" | head -n 1)
    [[ -n $addr ]] && break
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$log" >&2; die "the daemon on $name exited"; }
    sleep 0.1
  done
  [[ -n $addr ]] || { cat "$log" >&2; die "the daemon on $name did not start"; }
  url=$addr
  for _ in $(seq 300); do
    curl -fsS "$url/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "$url/readyz" >/dev/null || { cat "$log" >&2; die "the daemon on $name is not ready"; }
  [[ -s $dir/default.token ]] || die "no $dir/default.token (the database already had tenants?)"
  token=$(cat "$dir/default.token")
}

loadgen() {
  ZKACCEL_URL=$url ZKACCEL_TOKEN=$token "$zkaccel" loadgen "$@"
}

# The queue benchmarks against the running daemon; NAME names the output files.
queue_runs() {
  local name=$1 status=0
  step "$name: loadgen latency --jobs $latency_jobs"
  loadgen latency --jobs "$latency_jobs" --json "$out/latency-$name.json" | tee "$out/latency-$name.log"
  step "$name: loadgen throughput --rate $rate --duration $duration"
  loadgen throughput --rate "$rate" --duration "$duration" --json "$out/throughput-$name.json" \
    | tee "$out/throughput-$name.log" || status=$?
  [[ $status == 0 ]] || printf 'warning: %s throughput run reported lost, duplicated or failed jobs (exit %s)\n' \
    "$name" "$status" >&2
  throughput_status[$name]=$status
}
declare -A throughput_status

median() { sort -g | awk '{v[NR] = $1} END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---- the circuit ----
if [[ -z $circuit_dir ]]; then
  circuit_dir=target/groth16-fixtures/poseidon_chain_200
  if [[ ! -s $circuit_dir/circuit.zkey ]] && command -v node >/dev/null; then
    step "building the 2^16 Poseidon chain fixture (scripts/groth16-fixtures.sh)"
    scripts/groth16-fixtures.sh --only poseidon_chain_200 >&2 || true
  fi
  [[ -s $circuit_dir/circuit.zkey ]] || circuit_dir=host/tests/fixtures/groth16/poseidon_chain_small
fi
zkey=$root/$circuit_dir/circuit.zkey
wtns=$root/$circuit_dir/witness.wtns
[[ -s $zkey && -s $wtns ]] || die "no circuit.zkey and witness.wtns in $circuit_dir"

# ---- the machine and the disk ----
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD)$([[ -z $(git status --porcelain -- host Cargo.toml Cargo.lock) ]] || echo ' (with uncommitted changes under host/)')"
  echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r)"
  echo "filesystem of $work: $(df -T "$work" | awk 'NR == 2 {print $2 " on " $1}')"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "circuit: $circuit_dir"
} | tee "$out/machine.txt"

step "raw cost of a durable write on this disk"
dd if=/dev/zero of="$work/dsync.bin" bs=4k count=500 oflag=dsync 2>&1 | tail -n 1 | tee "$out/dd-dsync.log"
dsync_ms=$(awk '{for (i = 1; i <= NF; i++) if ($i == "s," || $i ~ /^s,$/) s = $(i - 1)} END {printf "%.3f", s * 1000 / 500}' \
  "$out/dd-dsync.log")
if bin=$(pg_bin) && [[ -x $bin/pg_test_fsync ]]; then
  (cd "$work" && "$bin/pg_test_fsync" -s 1 -f "$work/pg_test_fsync.bin") >"$out/pg_test_fsync.log" 2>&1 || true
  sed -n '/Compare file sync methods using one 8kB write/,/^$/p' "$out/pg_test_fsync.log" | head -n 12 >&2
fi
rm -f "$work/dsync.bin" "$work/pg_test_fsync.bin"

# ---- SQLite ----
start_daemon sqlite "sqlite://$work/sqlite/queue.sqlite" "$work/sqlite"
queue_runs sqlite
step "sqlite: loadgen groth16 --jobs $groth16_jobs ($circuit_dir)"
loadgen groth16 --zkey "$zkey" --witness "$wtns" --jobs "$groth16_jobs" --json "$out/groth16-daemon.json" \
  | tee "$out/groth16-daemon.log"
stop_daemon

# ---- zkaccel prove, no daemon running ----
step "zkaccel prove: 1 untimed run, then $prove_runs timed runs"
prove_once() {
  ZKACCEL_DEVICES=cpu "$zkaccel" prove "$zkey" "$wtns" "$work/proof.json" "$work/public.json" >>"$out/prove.log" 2>&1
}
prove_once
: >"$out/prove-times.txt"
for _ in $(seq "$prove_runs"); do
  t0=$(date +%s.%N)
  prove_once
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}' >>"$out/prove-times.txt"
done
prove_median_s=$(median <"$out/prove-times.txt")

# ---- PostgreSQL ----
if [[ $postgres == 1 ]]; then
  bin=$(pg_bin) || die "PostgreSQL is missing (Debian's postgresql; scripts/postgres-test-server.sh installs it), or pass --no-postgres"
  pg_dir=$work/postgres
  mkdir -p "$pg_dir"
  [[ "$(id -u)" == 0 ]] && chown postgres: "$pg_dir"
  pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  step "starting PostgreSQL on 127.0.0.1:$pg_port with fsync on"
  as_owner "$bin/initdb" -D "$pg_dir/data" -U zkaccel --auth=trust -E UTF8 >"$out/postgres-initdb.log" 2>&1 \
    || { cat "$out/postgres-initdb.log" >&2; die "initdb failed"; }
  pg_data=$pg_dir/data
  as_owner "$bin/pg_ctl" -D "$pg_data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c max_connections=200 -c fsync=on -c synchronous_commit=on" \
    start >/dev/null || { cat "$pg_dir/server.log" >&2; die "PostgreSQL did not start"; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U zkaccel zkaccel_bench
  as_owner "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U zkaccel -d zkaccel_bench -Atc \
    "SELECT 'postgres ' || version() || '; fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit') || ', wal_sync_method=' || current_setting('wal_sync_method')" \
    | tee -a "$out/machine.txt"
  start_daemon postgres "postgres://zkaccel@127.0.0.1:$pg_port/zkaccel_bench" "$work/pg-daemon"
  queue_runs postgres
  stop_daemon
  cp "$pg_dir/server.log" "$out/postgres-server.log" 2>/dev/null || true
  stop_postgres
fi

# ---- summary ----
jq -n \
  --rawfile machine "$out/machine.txt" \
  --arg dsync_ms "$dsync_ms" \
  --arg prove_median_s "$prove_median_s" \
  --rawfile prove_times "$out/prove-times.txt" \
  --slurpfile daemon "$out/groth16-daemon.json" \
  --argjson runs "$(for f in "$out"/latency-*.json "$out"/throughput-*.json; do [[ -e $f ]] && jq -c --arg f "$(basename "$f" .json)" '{($f): .}' "$f"; done | jq -s 'add // {}')" \
  '{
    machine: ($machine | split("\n") | map(select(length > 0))),
    dd_dsync_4k_write_ms: ($dsync_ms | tonumber),
    queue: $runs,
    groth16: {
      daemon: $daemon[0],
      prove_runs_s: ($prove_times | split("\n") | map(select(length > 0) | tonumber)),
      prove_median_s: ($prove_median_s | tonumber),
      daemon_total_over_prove: ($daemon[0].server_total.median_ms / 1000 / ($prove_median_s | tonumber)),
      daemon_round_trip_over_prove: ($daemon[0].round_trip.median_ms / 1000 / ($prove_median_s | tonumber)),
      daemon_with_result_over_prove: ($daemon[0].with_result.median_ms / 1000 / ($prove_median_s | tonumber))
    }
  }' >"$out/summary.json"

# jq: every number in the printed summary to 3 significant decimals.
jq_round='def r: if type == "number" then . * 1000 | round / 1000 else . end; walk(r) | '
{
  echo
  echo "== summary ($out/summary.json)"
  echo "dd oflag=dsync, one 4 KiB write: ${dsync_ms} ms"
  for db in sqlite postgres; do
    f=$out/latency-$db.json
    [[ -e $f ]] || continue
    jq -r --arg db "$db" "$jq_round"'"\($db) latency: server total_ms median \(.server_total_ms.median_ms) ms, p90 \(.server_total_ms.p90_ms), p99 \(.server_total_ms.p99_ms), max \(.server_total_ms.max_ms) (queued \(.server_queued_ms.median_ms), running \(.server_running_ms.median_ms)); client round trip median \(.round_trip_ms.median_ms) ms, p99 \(.round_trip_ms.p99_ms)  [target: overhead median < 5 ms]"' "$f"
    f=$out/throughput-$db.json
    [[ -e $f ]] || continue
    jq -r --arg db "$db" "$jq_round"'"\($db) throughput: \(.submissions) scheduled at \(.rate_per_s)/s for \(.duration_s) s; \(.accepted) accepted at \(.achieved_rate_per_s) /s; submit latency median \(.submit_latency_ms.median_ms) ms, p99 \(.submit_latency_ms.p99_ms) ms; errors \(.errors); done \(.done), failed \(.failed), lost \(.lost), duplicates \(.duplicates) (\(.rechecked) rechecked); server total_ms median \(.server_total_ms.median_ms), p99 \(.server_total_ms.p99_ms); drained \(.drain_s) s after"' "$f"
  done
  jq -r "$jq_round"'.groth16 | "groth16 (\(.daemon.zkey)): daemon server total median \(.daemon.server_total.median_ms) ms (min \(.daemon.server_total.min_ms)), running \(.daemon.server_running.median_ms) ms, client round trip \(.daemon.round_trip.median_ms) ms, with proof fetched \(.daemon.with_result.median_ms) ms; zkaccel prove median \(.prove_median_s) s (runs \(.prove_runs_s)); daemon/prove: server total \(.daemon_total_over_prove), round trip \(.daemon_round_trip_over_prove), with result \(.daemon_with_result_over_prove)  [target: ≤ 1.10]"' "$out/summary.json"
} | tee "$out/summary.txt"

for db in "${!throughput_status[@]}"; do
  [[ ${throughput_status[$db]} == 0 ]] || die "$db: throughput run reported lost, duplicated or failed jobs"
done
