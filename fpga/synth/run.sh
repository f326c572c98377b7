#!/usr/bin/env bash
# Synthesises each RTL unit with Yosys for Xilinx UltraScale+ (synth_xilinx -family xcup) and
# prints its LUT/FF/DSP/BRAM use. Usage: fpga/synth/run.sh [unit ...]  (default: every unit)
# Logs and reports go to fpga/synth/out/ (git-ignored). Slow units may take many minutes.
set -euo pipefail
cd "$(dirname "$0")"
RTL=../rtl
mkdir -p out
units=("$@")
[[ ${#units[@]} -gt 0 ]] || units=(mod_addsub mont_mul ntt_bfly g1_madd poseidon_t3 msm_bucket zk_top)
common="$RTL/zk_pkg.sv $RTL/delay.sv $RTL/mont_mul.sv $RTL/mod_addsub.sv"
for unit in "${units[@]}"; do
  case $unit in
    mod_addsub|mont_mul) files="$common" ;;
    ntt_bfly) files="$common $RTL/ntt_bfly.sv" ;;
    g1_madd) files="$common $RTL/g1_madd.sv" ;;
    poseidon_t3) files="$common $RTL/poseidon_t3.sv" ;;
    msm_bucket) files="$common $RTL/g1_madd.sv $RTL/msm_bucket.sv" ;;
    zk_top) files="$common $RTL/g1_madd.sv $RTL/msm_bucket.sv $RTL/ntt_bfly.sv $RTL/ntt_core.sv $RTL/poseidon_t3.sv $RTL/axi_rd.sv $RTL/axi_wr.sv $RTL/zk_top.sv" ;;
    *) echo "unknown unit $unit" >&2; exit 1 ;;
  esac
  start=$(date +%s)
  yosys -q -l "out/$unit.log" -p "read_verilog -sv -I$RTL $files; synth_xilinx -family xcup -top $unit -flatten; tee -o out/$unit.stat stat" \
    >/dev/null 2>&1 || { echo "$unit: yosys failed, see fpga/synth/out/$unit.log"; continue; }
  secs=$(( $(date +%s) - start ))
  # Cell counts from the stat report (awk alone, so a missing cell kind counts 0).
  count() { awk -v re="$1" '$1 ~ re && $2 ~ /^[0-9]+$/ {s += $2 * ($1 ~ /RAMB18/ ? 0.5 : 1)} END {print s + 0}' "out/$unit.stat"; }
  lut=$(count '^LUT[1-6]$')
  ff=$(count '^FD[A-Z]*$')
  dsp=$(count '^DSP48E2$')
  bram=$(count '^RAMB(18|36)E2$')
  uram=$(count '^URAM288$')
  lutram=$(count '^RAM(32|64|128|256)')
  printf '%-12s LUT %8s  FF %8s  DSP48E2 %5s  BRAM36 %6s  URAM %4s  LUTRAM %6s  (%ss)\n' \
    "$unit" "$lut" "$ff" "$dsp" "$bram" "$uram" "$lutram" "$secs"
done
