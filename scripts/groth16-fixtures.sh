#!/usr/bin/env bash
# Builds Groth16 keys, witnesses and snarkjs proofs for the circuits in host/tests/circuits,
# with circom (the circom2 npm package, a WASM build) and snarkjs, for zkaccel's
# interoperability tests (host/tests/groth16_snarkjs.rs) and benchmark (scripts/bench-groth16.sh).
#
# For each circuit C (host/tests/circuits/C.circom with input C.input.json) it writes
#   OUT_DIR/C/circuit.r1cs             circom2 --O2 --r1cs --wasm
#   OUT_DIR/C/witness.wtns             snarkjs wtns calculate, with the generated wasm
#   OUT_DIR/C/circuit.zkey             snarkjs groth16 setup with the prepared powers of tau, then
#                                      one deterministic contribution (zkey beacon), so delta is
#                                      not the generator
#   OUT_DIR/C/verification_key.json    snarkjs zkey export verificationkey
#   OUT_DIR/C/snarkjs_proof.json       snarkjs groth16 prove (checked with snarkjs groth16 verify)
#   OUT_DIR/C/snarkjs_public.json
# A circuit whose inputs (its sources, input, the node packages' lockfile, the powers of tau and
# this script) have not changed since its last build is skipped, so a rerun takes seconds.
#
# Usage: scripts/groth16-fixtures.sh [--commit-small] [--only C1,C2] [OUT_DIR]
#   OUT_DIR         default target/groth16-fixtures
#   --commit-small  also copy the small circuits' files to host/tests/fixtures/groth16/C/
#                   (committed, so the Rust reader tests have real snarkjs files without node)
#   --only          build only the circuits named
# Environment: ZKACCEL_PTAU  the powers-of-tau file (default ../shared/fixtures/pot16_final.ptau,
#                            relative to the repository root; BN254, up to 2^16 constraints)
# Prints the paths to export on its last two lines:
#   ZKACCEL_GROTH16_FIXTURES=<abs OUT_DIR>
#   ZKACCEL_SNARKJS=<abs path of snarkjs's CLI script, run with node>
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

ALL_CIRCUITS=(multiplier many_public poseidon_chain_small poseidon_chain_200)
SMALL_CIRCUITS=(multiplier many_public poseidon_chain_small)
# Bump when the recipe changes in a way the stamp's inputs do not show.
RECIPE=1
# The contribution that follows setup: snarkjs zkey beacon's hash and 2^ITERATIONS hash rounds.
BEACON=0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20
BEACON_ITERATIONS=10

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
step() { printf '==> %s\n' "$*" >&2; }

commit_small=0
only=""
out=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --commit-small) commit_small=1 ;;
    --only) [[ $# -ge 2 ]] || die "--only needs a list of circuits"; only=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) [[ -z $out ]] || die "more than one OUT_DIR"; out=$1 ;;
  esac
  shift
done
out=${out:-target/groth16-fixtures}
mkdir -p "$out"
out=$(cd "$out" && pwd)

circuits=("${ALL_CIRCUITS[@]}")
if [[ -n $only ]]; then
  IFS=, read -r -a circuits <<<"$only"
  for c in "${circuits[@]}"; do
    [[ -f host/tests/circuits/$c.circom ]] || die "no circuit host/tests/circuits/$c.circom"
  done
fi
if [[ $commit_small == 1 ]]; then
  for c in "${SMALL_CIRCUITS[@]}"; do
    [[ " ${circuits[*]} " == *" $c "* ]] || circuits+=("$c")
  done
fi

ptau=${ZKACCEL_PTAU:-../shared/fixtures/pot16_final.ptau}
[[ -f $ptau ]] || die "powers-of-tau file $ptau not found (set ZKACCEL_PTAU)"
ptau=$(cd "$(dirname "$ptau")" && pwd)/$(basename "$ptau")

# --- node packages (scripts/node, pinned by package-lock.json) ---------------------------------
node_dir=scripts/node
modules=$node_dir/node_modules
snarkjs_cli=$root/$modules/snarkjs/build/cli.cjs
circom_bin=$root/$modules/.bin/circom2
lock_sum=$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $modules/.zkaccel-lock-sha256 || "$(cat "$modules/.zkaccel-lock-sha256")" != "$lock_sum" \
      || ! -f $snarkjs_cli || ! -x $circom_bin ]]; then
  command -v node >/dev/null 2>&1 || die "node is not installed: install Node.js 18 or later (with npm)"
  command -v npm >/dev/null 2>&1 || die "npm is not installed: install npm (Node.js's package manager)"
  step "installing snarkjs, circom2 and circomlib (npm ci in $node_dir)"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci in $node_dir failed"
  [[ -f $snarkjs_cli && -x $circom_bin ]] || die "npm ci finished but snarkjs or circom2 is missing under $modules"
  echo "$lock_sum" >"$modules/.zkaccel-lock-sha256"
fi
command -v node >/dev/null 2>&1 || die "node is not installed: install Node.js 18 or later"
snarkjs() { node "$snarkjs_cli" "$@"; }

# Runs a command quietly; on failure shows its output and stops. snarkjs exits 0 after many
# errors, so an [ERROR] line in its output is a failure too.
quiet() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1 || grep -q '\[ERROR\]' "$log"; then
    cat "$log" >&2
    rm -f "$log"
    die "failed: $*"
  fi
  rm -f "$log"
}

# The sha256 of everything a circuit's files are made from.
ptau_sum=$(stat -c '%s %Y' "$ptau")
stamp_of() {
  local c=$1
  {
    echo "recipe $RECIPE $BEACON $BEACON_ITERATIONS"
    echo "ptau $(basename "$ptau") $ptau_sum"
    echo "lock $lock_sum"
    local src=host/tests/circuits/$c.circom inc
    sha256sum "$0" "$src" "host/tests/circuits/$c.input.json" | cut -d' ' -f1
    # The circuit's own includes (circomlib's are pinned by the lockfile).
    for inc in $(sed -n 's/^include "\([^"]*\)".*/\1/p' "$src"); do
      [[ ! -f host/tests/circuits/$inc ]] || sha256sum "host/tests/circuits/$inc" | cut -d' ' -f1
    done
  } | sha256sum | cut -d' ' -f1
}

build() {
  local c=$1 dir=$out/$1 stamp
  stamp=$(stamp_of "$c")
  if [[ -f $dir/.stamp && "$(cat "$dir/.stamp")" == "$stamp" ]]; then
    step "$c: up to date"
    return
  fi
  local start=$SECONDS t0
  rm -rf "$dir"
  mkdir -p "$dir/build"
  step "$c: circom2 --O2"
  t0=$SECONDS
  # circom2 runs under WASI: it is given paths relative to the repository root.
  quiet "$circom_bin" --O2 --r1cs --wasm -l "$modules" -l host/tests/circuits \
    -o "$(realpath --relative-to=. "$dir/build")" "host/tests/circuits/$c.circom"
  mv "$dir/build/$c.r1cs" "$dir/circuit.r1cs"
  quiet snarkjs r1cs info "$dir/circuit.r1cs"
  step "$c: witness"
  quiet snarkjs wtns calculate "$dir/build/${c}_js/$c.wasm" "host/tests/circuits/$c.input.json" "$dir/witness.wtns"
  quiet snarkjs wtns check "$dir/circuit.r1cs" "$dir/witness.wtns"
  local t_compile=$((SECONDS - t0))
  step "$c: groth16 setup and contribution"
  t0=$SECONDS
  quiet snarkjs groth16 setup "$dir/circuit.r1cs" "$ptau" "$dir/build/circuit_0000.zkey"
  quiet snarkjs zkey beacon "$dir/build/circuit_0000.zkey" "$dir/circuit.zkey" "$BEACON" "$BEACON_ITERATIONS" -n="zkaccel test beacon"
  quiet snarkjs zkey export verificationkey "$dir/circuit.zkey" "$dir/verification_key.json"
  local t_setup=$((SECONDS - t0))
  step "$c: snarkjs proof"
  t0=$SECONDS
  quiet snarkjs groth16 prove "$dir/circuit.zkey" "$dir/witness.wtns" "$dir/snarkjs_proof.json" "$dir/snarkjs_public.json"
  snarkjs groth16 verify "$dir/verification_key.json" "$dir/snarkjs_public.json" "$dir/snarkjs_proof.json" 2>&1 \
    | grep -q 'OK!' || die "$c: snarkjs does not verify its own proof"
  for f in circuit.r1cs circuit.zkey witness.wtns verification_key.json snarkjs_proof.json snarkjs_public.json; do
    [[ -s $dir/$f ]] || die "$c: $f was not written"
  done
  local t_prove=$((SECONDS - t0))
  rm -rf "$dir/build"
  echo "$stamp" >"$dir/.stamp"
  step "$c: done in $((SECONDS - start)) s (compile+witness ${t_compile} s, setup ${t_setup} s, prove+verify ${t_prove} s)"
}

for c in "${circuits[@]}"; do
  build "$c"
done

if [[ $commit_small == 1 ]]; then
  for c in "${SMALL_CIRCUITS[@]}"; do
    dest=host/tests/fixtures/groth16/$c
    mkdir -p "$dest"
    for f in circuit.r1cs circuit.zkey witness.wtns verification_key.json snarkjs_proof.json snarkjs_public.json; do
      cmp -s "$out/$c/$f" "$dest/$f" || cp "$out/$c/$f" "$dest/$f"
    done
    step "$c: copied to $dest"
  done
fi

echo "ZKACCEL_GROTH16_FIXTURES=$out"
echo "ZKACCEL_SNARKJS=$snarkjs_cli"
