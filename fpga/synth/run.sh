#!/usr/bin/env bash
# Synthesises each RTL unit with Yosys for Xilinx UltraScale+ (synth_xilinx -family xcup -uram)
# and prints its LUT/FF/DSP/BRAM/URAM use. Usage: fpga/synth/run.sh [--parse-only] [unit ...]
# (default: every unit). --parse-only only reads and elaborates each unit (seconds; the CI check).
# Logs and reports go to fpga/synth/out/ (git-ignored). Exits non-zero if any unit failed.
#
# Synthesis is hierarchical: each distinct module (one mont_mul per modulus, one delay line per
# width and depth) is synthesised once and the totals come from `stat -top`, which multiplies by the
# instance counts. Flattening a unit with 17 multipliers took Yosys over 15 minutes; this takes
# about a minute. What is lost is optimisation across module boundaries (e.g. constant operands).
set -euo pipefail
cd "$(dirname "$0")"
RTL=../rtl
mkdir -p out
parse_only=0
if [[ ${1:-} == --parse-only ]]; then
  parse_only=1
  shift
fi
units=("$@")
failed=0
[[ ${#units[@]} -gt 0 ]] || units=(mod_addsub mont_mul ntt_bfly g1_madd poseidon_t3 msm_bucket ntt_core zk_top zk_top_msm_ntt zk_top_poseidon)
common="$RTL/zk_pkg.sv $RTL/delay.sv $RTL/mont_mul.sv $RTL/mod_addsub.sv"
top_files="$common $RTL/g1_madd.sv $RTL/msm_bucket.sv $RTL/ntt_bfly.sv $RTL/ram_tdp.sv $RTL/ntt_core.sv $RTL/poseidon_t3.sv $RTL/axi_rd.sv $RTL/axi_wr.sv $RTL/zk_top.sv"
for unit in "${units[@]}"; do
  top=$unit
  params=""
  case $unit in
    mod_addsub|mont_mul) files="$common" ;;
    ntt_bfly) files="$common $RTL/ntt_bfly.sv" ;;
    g1_madd) files="$common $RTL/g1_madd.sv" ;;
    poseidon_t3) files="$common $RTL/poseidon_t3.sv" ;;
    msm_bucket) files="$common $RTL/g1_madd.sv $RTL/msm_bucket.sv" ;;
    ntt_core) files="$common $RTL/ntt_bfly.sv $RTL/ram_tdp.sv $RTL/ntt_core.sv" ;;
    zk_top) files="$top_files" ;;
    # Builds with a subset of the engines (zk_top's HAS_* parameters), sized for one card each.
    zk_top_msm_ntt) files="$top_files"; top=zk_top; params="chparam -set HAS_POSEIDON 0 zk_top;" ;;
    zk_top_poseidon) files="$top_files"; top=zk_top; params="chparam -set HAS_MSM 0 -set HAS_NTT 0 zk_top;" ;;
    *) echo "unknown unit $unit" >&2; exit 1 ;;
  esac
  if [[ $parse_only == 1 ]]; then
    if yosys -q -l "out/$unit.parse.log" -p "read_verilog -sv -I$RTL $files; $params hierarchy -check -top $top" >/dev/null 2>&1; then
      echo "$unit elaborates"
    else
      echo "$unit: yosys could not elaborate it, see fpga/synth/out/$unit.parse.log"
      failed=1
    fi
    continue
  fi
  start=$(date +%s)
  yosys -q -l "out/$unit.log" -p "read_verilog -sv -I$RTL $files; $params synth_xilinx -family xcup -uram -top $top; tee -o out/$unit.stat stat -top $top" \
    >/dev/null 2>&1 || { echo "$unit: yosys failed, see fpga/synth/out/$unit.log"; failed=1; continue; }
  secs=$(( $(date +%s) - start ))
  # Cell counts from the stat report (awk alone, so a missing cell kind counts 0): the
  # "design hierarchy" totals when the unit has submodules, else the unit's own section.
  count() {
    awk -v re="$1" '/=== design hierarchy ===/ {s = 0}
      $1 ~ re && $2 ~ /^[0-9]+$/ {s += $2 * ($1 ~ /RAMB18/ ? 0.5 : 1)} END {print s + 0}' "out/$unit.stat"
  }
  lut=$(count '^LUT[1-6]$')
  ff=$(count '^FD[A-Z]*$')
  dsp=$(count '^DSP48E2$')
  bram=$(count '^RAMB(18|36)E2$')
  uram=$(count '^URAM288$')
  lutram=$(count '^RAM(32|64|128|256)')
  srl=$(count '^SRL')
  printf '%-12s LUT %8s  FF %8s  DSP48E2 %5s  BRAM36 %6s  URAM %4s  LUTRAM %6s  SRL %6s  (%ss)\n' \
    "$unit" "$lut" "$ff" "$dsp" "$bram" "$uram" "$lutram" "$srl" "$secs"
done
exit $failed
