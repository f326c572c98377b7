#!/usr/bin/env bash
# Groth16 proving time and memory: `zkaccel prove` (release build) against `snarkjs groth16 prove`
# on the same key and witness, in the same run: the 2^16-domain Poseidon chain
# (host/tests/circuits/poseidon_chain_200.circom, about 48k constraints).
#
# Each repetition runs both provers one after the other under /usr/bin/time -v (wall time of the
# whole command, peak resident memory); the table gives the medians and snarkjs ÷ zkaccel.
# zkaccel's first proof is checked with snarkjs groth16 verify: figures of a wrong prover are void.
#
# Usage: scripts/bench-groth16.sh [-n N] [--devices IDS] [--circuit C] [--out FILE]
#   -n N           repetitions (default 5)
#   --devices IDS  passed to zkaccel prove --devices (default: zkaccel's default, the CPU)
#   --circuit C    another circuit of host/tests/circuits (default poseidon_chain_200)
#   --out FILE     also write the markdown table to FILE
set -euo pipefail
cd "$(dirname "$0")/.."

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
step() { printf '==> %s\n' "$*" >&2; }

reps=5
devices=""
circuit=poseidon_chain_200
out_file=""
while [[ $# -gt 0 ]]; do
  case $1 in
    -n) reps=${2:?-n needs a number}; shift ;;
    --devices) devices=${2:?--devices needs ids}; shift ;;
    --circuit) circuit=${2:?--circuit needs a name}; shift ;;
    --out) out_file=${2:?--out needs a file}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
  shift
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "-n wants a positive number, got $reps"

# GNU time (Debian's `time` package) for peak RSS.
if ! /usr/bin/time -v true >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    step "installing GNU time (Debian package time)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; } \
      || die "could not install the time package with apt-get"
  else
    die "/usr/bin/time (GNU time) is missing: install the 'time' package"
  fi
fi

step "fixtures for $circuit"
vars=$(scripts/groth16-fixtures.sh --only "$circuit")
fixtures=$(sed -n 's/^ZKACCEL_GROTH16_FIXTURES=//p' <<<"$vars")/$circuit
snarkjs_cli=$(sed -n 's/^ZKACCEL_SNARKJS=//p' <<<"$vars")

step "building zkaccel (release)"
cargo build --release --locked -p zkaccel >&2
zkaccel=$PWD/target/release/zkaccel

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a command under GNU time; prints "seconds kbytes". The command's own output goes to
# $work/last.log.
measure() {
  local stats=$work/time.txt
  if ! /usr/bin/time -v -o "$stats" "$@" >"$work/last.log" 2>&1; then
    cat "$work/last.log" >&2
    die "failed: $*"
  fi
  awk -F': ' '
    /Elapsed \(wall clock\) time/ {
      n = split($2, p, ":"); s = 0
      for (i = 1; i <= n; i++) s = s * 60 + p[i]
      wall = s
    }
    /Maximum resident set size/ { rss = $2 }
    END { printf "%.3f %d\n", wall, rss }' "$stats"
}

median() { sort -g | awk '{v[NR] = $1} END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

zk_args=()
[[ -z $devices ]] || zk_args=(--devices "$devices")
zk_times=() zk_rss=() js_times=() js_rss=()
for ((i = 1; i <= reps; i++)); do
  read -r t m < <(measure "$zkaccel" prove "${zk_args[@]}" "$fixtures/circuit.zkey" "$fixtures/witness.wtns" "$work/zk_proof.json" "$work/zk_public.json")
  zk_times+=("$t") zk_rss+=("$m")
  if [[ $i == 1 ]]; then
    node "$snarkjs_cli" groth16 verify "$fixtures/verification_key.json" "$work/zk_public.json" "$work/zk_proof.json" 2>&1 \
      | grep -q 'OK!' || die "snarkjs rejects zkaccel's proof: no figures"
    cmp -s <(tr -d ' \n' <"$work/zk_public.json") <(tr -d ' \n' <"$fixtures/snarkjs_public.json") \
      || die "zkaccel's public.json differs from snarkjs's"
  fi
  read -r t m < <(measure node "$snarkjs_cli" groth16 prove "$fixtures/circuit.zkey" "$fixtures/witness.wtns" "$work/js_proof.json" "$work/js_public.json")
  js_times+=("$t") js_rss+=("$m")
  step "run $i/$reps: zkaccel ${zk_times[-1]} s ${zk_rss[-1]} KiB, snarkjs ${js_times[-1]} s ${js_rss[-1]} KiB"
done

zk_t=$(printf '%s\n' "${zk_times[@]}" | median)
js_t=$(printf '%s\n' "${js_times[@]}" | median)
zk_m=$(printf '%s\n' "${zk_rss[@]}" | median)
js_m=$(printf '%s\n' "${js_rss[@]}" | median)
ratio_t=$(awk -v a="$js_t" -v b="$zk_t" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
ratio_m=$(awk -v a="$js_m" -v b="$zk_m" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

constraints=$(node "$snarkjs_cli" r1cs info "$fixtures/circuit.r1cs" 2>&1 | sed -n 's/.*# of Constraints: *//p' | head -n 1)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
snarkjs_version=$(node -p "require('$(dirname "$(dirname "$snarkjs_cli")")/package.json').version")

table=$(cat <<EOF
Groth16 prove, $circuit (${constraints:-?} constraints), median of $reps runs, wall time of the whole command
(/usr/bin/time -v) and peak RSS. Machine: ${cpu:-unknown CPU}, $(nproc) cores. zkaccel $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo '+changes')${devices:+ (--devices $devices)}, snarkjs $snarkjs_version on node $(node --version).

| prover | wall time | peak RSS |
|---|---|---|
| zkaccel prove | ${zk_t} s | $(mb "$zk_m") MiB |
| snarkjs groth16 prove | ${js_t} s | $(mb "$js_m") MiB |
| snarkjs ÷ zkaccel | ${ratio_t}× | ${ratio_m}× |

Runs (s): zkaccel ${zk_times[*]}; snarkjs ${js_times[*]}
EOF
)
echo "$table"
[[ -z $out_file ]] || { echo "$table" >"$out_file"; step "table written to $out_file"; }
