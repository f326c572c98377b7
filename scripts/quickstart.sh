#!/usr/bin/env bash
# The main job on the embedded defaults, with only Rust installed: build zkaccel, start the
# proving daemon (CPU backend, SQLite queue, local artifact directory, all under
# target/quickstart/), send it a bundled circom circuit and witness, fetch the proof and verify
# it against snarkjs's verification key, then stop the daemon.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }

say "building zkaccel (cargo build --release)"
cargo build --release --quiet
zkaccel=$PWD/target/release/zkaccel
fixture=$PWD/host/tests/fixtures/groth16/poseidon_chain_small
work=$PWD/target/quickstart
rm -rf "$work"
mkdir -p "$work"
port=${ZKACCEL_QUICKSTART_PORT:-18080}

say "starting the daemon on http://127.0.0.1:$port (queue: $work/zkaccel-data/queue.sqlite)"
(cd "$work" && ZKACCEL__LISTEN="127.0.0.1:$port" exec "$zkaccel" daemon) >"$work/daemon.log" 2>&1 &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  grep -q "listening on" "$work/daemon.log" && break
  kill -0 $daemon 2>/dev/null || { cat "$work/daemon.log"; exit 1; }
  sleep 0.1
done
grep -q "listening on" "$work/daemon.log" || { cat "$work/daemon.log"; echo "the daemon did not start" >&2; exit 1; }
export ZKACCEL_URL="http://127.0.0.1:$port"
ZKACCEL_TOKEN=$(cat "$work/zkaccel-data/default.token")
export ZKACCEL_TOKEN

say "submitting a Groth16 job (circuit: $fixture)"
submitted=$("$zkaccel" submit --zkey "$fixture/circuit.zkey" --name poseidon_chain_small "$fixture/witness.wtns" --wait)
echo "$submitted"
job=$(head -n 1 <<<"$submitted")

say "fetching the proof of job $job and verifying it"
"$zkaccel" result "$job" --proof "$work/proof.json" --public "$work/public.json"
"$zkaccel" verify "$fixture/verification_key.json" "$work/public.json" "$work/proof.json"
echo
echo "proof: $work/proof.json  public signals: $work/public.json  daemon log: $work/daemon.log"
