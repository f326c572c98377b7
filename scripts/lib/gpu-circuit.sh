#!/usr/bin/env bash
# Builds the 2^20-constraint circuit of the GPU run once, into target/gpu-circuit/:
# sha256_2p20.r1cs (circom2 --O2) and witness.wtns (snarkjs wtns calculate), rebuilt when the
# circuit's sources change. Used by scripts/gpu-kit.sh and scripts/gpu-run.sh (without a kit).
#
# circom2 (circom compiled to WASM, under a JavaScript WASI shim) needs over 2 GiB for this
# circuit, and its shim sometimes fails a file call with "Start offset -… is outside the bounds
# of the buffer" (a signed 32-bit pointer): the compilation is retried up to three times.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=target/gpu-circuit
src=host/tests/circuits
if [[ -s $dir/witness.wtns && $dir/witness.wtns -nt $src/sha256_2p20.circom \
      && $dir/witness.wtns -nt $src/sha256_blocks.circom && $dir/witness.wtns -nt $src/sha256_2p20.input.json ]]; then
  echo "$dir: up to date" >&2
  exit 0
fi
# Installs circom2, snarkjs and circomlib (npm ci) when missing.
scripts/groth16-fixtures.sh --only multiplier >/dev/null
circom=scripts/node/node_modules/.bin/circom2
snarkjs=scripts/node/node_modules/snarkjs/build/cli.cjs
for attempt in 1 2 3; do
  rm -rf "$dir" && mkdir -p "$dir"
  echo "circom2 --O2 sha256_2p20 (attempt $attempt; about 2 minutes and 3.5 GB on 2 cores)" >&2
  if "$circom" --O2 --r1cs --wasm -l scripts/node/node_modules -l "$src" -o "$dir" "$src/sha256_2p20.circom" \
      >"$dir.log" 2>&1 && [[ -s $dir/sha256_2p20.r1cs ]]; then
    break
  fi
  tail -n 3 "$dir.log" >&2
  [[ $attempt == 3 ]] && { echo "error: circom2 failed three times (see $dir.log)" >&2; exit 1; }
done
node "$snarkjs" wtns calculate "$dir/sha256_2p20_js/sha256_2p20.wasm" "$src/sha256_2p20.input.json" \
  "$dir/witness.wtns" >>"$dir.log" 2>&1 || { echo "error: snarkjs wtns calculate failed (see $dir.log)" >&2; exit 1; }
node "$snarkjs" wtns check "$dir/sha256_2p20.r1cs" "$dir/witness.wtns" >>"$dir.log" 2>&1 \
  || { echo "error: the witness does not satisfy the circuit (see $dir.log)" >&2; exit 1; }
echo "$dir: sha256_2p20.r1cs and witness.wtns" >&2
