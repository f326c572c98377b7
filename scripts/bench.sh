#!/usr/bin/env bash
# Reproduces the CPU figures in docs/BENCHMARKS.md: MSM, NTT and Poseidon on the CPU backend
# against arkworks / ark-poly / light-poseidon measured in the same run, every result verified,
# then the standard suite with its CSV and plot.
#
# Usage: scripts/bench.sh [output-dir]     (default: bench-results/)
# Run it on a quiet machine: the figures are medians of repeated runs, compared as ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-results}
mkdir -p "$out"
stamp="$(hostname)-$(date -u +%Y%m%dT%H%M%SZ)"

cargo build --release --locked -p zkaccel
bin=target/release/zkaccel

"$bin" devices
"$bin" bench --op msm --log-n 16,18,20 --repeat 5 --json "$out/$stamp-msm.json"
"$bin" bench --op ntt --log-n 16,18,20 --repeat 7 --json "$out/$stamp-ntt.json"
"$bin" bench --op poseidon --log-n 16 --repeat 5 --json "$out/$stamp-poseidon.json"
# The standard suite (every op, key-like MSM, Groth16 of the bundled circuits), as CSV and a plot
# too; see docs/BENCHMARKING.md. `zkaccel bench compare` compares it with another machine's.
"$bin" bench --suite standard --json "$out/$stamp-standard.json" --csv "$out/$stamp-standard.csv"
"$bin" bench plot "$out/$stamp-standard.json" -o "$out/$stamp-standard.svg"
echo "results in $out/$stamp-*.json (.csv, .svg)"
