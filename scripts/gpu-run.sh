#!/usr/bin/env bash
# The whole GPU run of docs/BENCHMARKS.md ("GPU run") in one command, on any machine with an
# NVIDIA GPU: the GPU tests, the MSM / NTT / Poseidon sweeps on cuda, webgpu and cpu in the
# same run, the real-witness MSM, a 2^20-constraint circom circuit proved end to end on the GPU
# and on the CPU, and Nsight Compute profiles of the MSM and NTT kernels.
#
#   scripts/gpu-run.sh [--kit KIT.tar.xz] [--out DIR] [--parts LIST] [--max-log N] [--quick]
#
#   --kit      run the prebuilt kit of scripts/gpu-kit.sh (a machine without Rust or node);
#              without it the script builds with cargo and makes the circuit with node
#   --out      where the logs, JSON records and proofs go (default target/gpu-run)
#   --parts    comma-separated subset of: info,tests,bench,e2e,witness,profile (default: all)
#
# ZKACCEL_CUDA_KERNELS=kernels/cuda compiles the CUDA kernels from that folder instead of the
# built-in copies: a kernel change can be tried on a GPU machine without Rust (docs/CUDA.md).
#   --max-log  largest MSM/NTT size as log2 (default 24)
#   --quick    small sizes everywhere (a smoke test of the script itself, also without a GPU)
#
# Every part runs even when an earlier one failed; the last lines say which failed, and the
# exit status is non-zero if any did. A part that needs a GPU reports itself skipped, with the
# reason, where there is none. OUT/SUMMARY.txt holds the figures docs/BENCHMARKS.md quotes;
# verify the end-to-end proofs with snarkjs afterwards:
#   snarkjs groth16 verify OUT/e2e/verification_key.json OUT/e2e/public-cuda.json OUT/e2e/proof-cuda.json
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

die() { printf 'error: %s\n' "$*" >&2; exit 2; }
step() { printf '\n==> %s\n' "$*" | tee -a "$out/run.log" >&2; }

kit=""
k=""
out=target/gpu-run
parts=info,tests,bench,e2e,witness,profile
max_log=24
quick=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --kit) kit=${2:?--kit needs a file}; shift ;;
    --out) out=${2:?--out needs a folder}; shift ;;
    --parts) parts=${2:?--parts needs a list}; shift ;;
    --max-log) max_log=${2:?--max-log needs a number}; shift ;;
    --quick) quick=1 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
[[ $max_log =~ ^[0-9]+$ && $max_log -ge 12 && $max_log -le 26 ]] || die "--max-log must be 12..26"
for p in ${parts//,/ }; do
  [[ $p =~ ^(info|tests|bench|e2e|witness|profile)$ ]] || die "unknown part $p"
done
want() { [[ ",$parts," == *",$1,"* ]]; }
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
: >"$out/run.log"
failed=()
fail() { failed+=("$1"); printf 'FAILED: %s\n' "$1" | tee -a "$out/run.log" >&2; }
# Runs a command with its output in OUT/NAME.log (and the run log's tail on failure).
run_logged() {
  local name=$1; shift
  local start=$SECONDS status
  printf '$ %s\n' "$*" >>"$out/run.log"
  "$@" >"$out/$name.log" 2>&1
  status=$?
  printf '   %s: exit %d in %d s\n' "$name" "$status" $((SECONDS - start)) | tee -a "$out/run.log" >&2
  if [[ $status != 0 ]]; then
    tail -n 25 "$out/$name.log" >&2
  fi
  return $status
}

# --- the tools: a kit, or this checkout built with cargo ----------------------------------------
if [[ -n $kit ]]; then
  [[ -f $kit ]] || die "kit $kit not found (make it with scripts/gpu-kit.sh)"
  k=$out/kit
  rm -rf "$k" && mkdir -p "$k"
  tar -C "$k" -xJf "$kit" || die "could not unpack $kit"
  zkaccel=$k/bin/zkaccel
  kernel_resources=$k/bin/kernel_resources
  # The test executables look for their fixtures where they were built.
  source_root=$(sed -n 's/^SOURCE_ROOT=//p' "$k/MANIFEST")
  if [[ -n $source_root && ! -e $source_root ]]; then
    mkdir -p "$(dirname "$source_root")" && ln -s "$root" "$source_root" \
      || echo "warning: cannot link $source_root to $root; tests that read fixtures will fail" >&2
  fi
  # NVRTC 12.4, the version CI compiles the kernels with, unless the machine has a 12.x of its
  # own; the unversioned name wins over a CUDA 13 toolkit's libnvrtc.so (cudarc tries it first).
  if ! ldconfig -p 2>/dev/null | grep -q 'libnvrtc\.so\.12'; then
    ln -sf libnvrtc.so.12 "$k/nvrtc/libnvrtc.so"
    export LD_LIBRARY_PATH=$k/nvrtc${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  fi
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' && compgen -G "$k/gl/*.deb" >/dev/null; then
    if [[ $(id -u) == 0 ]]; then
      for f in "$k"/gl/*.deb; do dpkg -x "$f" /; done
      ldconfig
    else
      echo "warning: no libvulkan.so.1 and not root: WebGPU will find no adapter" >&2
    fi
  fi
  circuit_src=$k/circuit
else
  command -v cargo >/dev/null 2>&1 || die "cargo is not installed (or pass --kit from scripts/gpu-kit.sh)"
  step "building (cargo build --release)"
  cargo build --release -p zkaccel >&2 || die "the build failed"
  cargo build --release -p zkaccel-cuda --example kernel_resources >&2 || die "the build failed"
  zkaccel=$root/target/release/zkaccel
  kernel_resources=$root/target/release/examples/kernel_resources
  circuit_src=""
fi
export ZKACCEL_CACHE_DIR=${ZKACCEL_CACHE_DIR:-$out/cache}
# Where NVIDIA's Vulkan driver registers itself in some containers.
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json; do
  if [[ -f $icd && -z ${VK_DRIVER_FILES:-} ]]; then export VK_DRIVER_FILES=$icd; fi
done

# --- which devices there are ----------------------------------------------------------------------
"$zkaccel" devices >"$out/devices.txt" 2>&1
has() { grep -q "^$1 *available" "$out/devices.txt"; }
gpus=()
has cuda && gpus+=(cuda:0)
has webgpu && gpus+=(webgpu:0)
if [[ ${#gpus[@]} == 0 ]]; then
  echo "no GPU backend is available here (zkaccel devices below): GPU parts are skipped" | tee -a "$out/run.log" >&2
  sed 's/^/  /' "$out/devices.txt" >&2
fi
backends=$(IFS=,; echo "${gpus[*]:+${gpus[*]},}cpu")

if [[ $quick == 1 ]]; then
  msm_sizes=12,14; ntt_sizes=12,14; poseidon_sizes=12; poseidon_gpu_sizes=14; repeat=(--repeat 2)
else
  # light-poseidon (the baseline) hashes about 120 k/s on one thread: 2^20 takes seconds, so
  # the larger batches run on the GPUs alone, checked by sampled hashes.
  msm_sizes=$(seq -s, 16 2 "$max_log"); ntt_sizes=$msm_sizes; poseidon_sizes=16,18,20; poseidon_gpu_sizes=22,24; repeat=()
fi

# --- info: the machine ----------------------------------------------------------------------------
if want info; then
  step "machine"
  {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "zkaccel: $("$zkaccel" --version) ${k:+$(tr "\n" " " <"$k/MANIFEST")}"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) threads)"
    echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    if command -v nvidia-smi >/dev/null 2>&1; then
      nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit --format=csv
      nvidia-smi | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/CUDA (driver API): \1/p'
    else
      echo "nvidia-smi: not installed"
    fi
    command -v nvcc >/dev/null 2>&1 && nvcc --version | tail -n 2
    echo "NVRTC: $(ldconfig -p 2>/dev/null | grep -o 'libnvrtc\.so\.12[^ ]*' | head -n 1 || true) ${k:+$(ls "$k/nvrtc" 2>/dev/null | tr '\n' ' ')}"
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    echo
    cat "$out/devices.txt"
  } >"$out/machine.txt" 2>&1
  cat "$out/machine.txt" >&2
fi

# --- tests: every GPU test on the GPU ---------------------------------------------------------------
if want tests; then
  step "GPU tests (CUDA backend, WebGPU on the hardware adapter)"
  # GPU_RUN_TESTS_ADAPTER=cpu GPU_RUN_FORCE_TESTS=1 runs this part on a machine without a GPU
  # (WebGPU on lavapipe), to check the script itself: the CUDA tests then skip, which fails it.
  adapter=${GPU_RUN_TESTS_ADAPTER:-gpu}
  if [[ ${#gpus[@]} == 0 && -z ${GPU_RUN_FORCE_TESTS:-} ]]; then
    echo "SKIPPED tests: no GPU" | tee -a "$out/run.log" >&2
  else
    : >"$out/tests.log"
    if [[ -n $kit ]]; then
      for t in "$k"/tests/*; do
        name=$(basename "$t")
        printf '\n### %s\n' "$name" >>"$out/tests.log"
        (cd "$root" && ZKACCEL_WEBGPU_ADAPTER=$adapter "$t" --test-threads 4 >>"$out/tests.log" 2>&1) || fail "tests: $name"
      done
    else
      ZKACCEL_WEBGPU_ADAPTER=$adapter cargo test --release -p zkaccel-cuda -p zkaccel-webgpu >>"$out/tests.log" 2>&1 \
        || fail "tests: cargo test -p zkaccel-cuda -p zkaccel-webgpu"
    fi
    grep -E '^test result:' "$out/tests.log" | awk '{p+=$4; f+=$6; i+=$8} END {printf "tests: %d passed, %d failed, %d ignored\n", p, f, i}' \
      | tee -a "$out/run.log" >&2
    # A GPU test that skips on a GPU machine proves nothing: every skip is a failure here.
    if grep -h '^SKIPPED' "$out/tests.log" >"$out/tests-skipped.txt"; then
      sed 's/^/  /' "$out/tests-skipped.txt" >&2
      fail "tests: $(wc -l <"$out/tests-skipped.txt") GPU tests skipped on a GPU machine"
    fi
  fi
fi

# --- e2e: a 2^20-constraint circom circuit, proved on the GPU and on the CPU --------------------------
fixtures=$out/circuits
e2e=$fixtures/sha256_2p20
if want e2e || want witness; then
  step "the 2^20-constraint circuit: key (setup-insecure) and witness"
  mkdir -p "$e2e"
  if [[ -n $circuit_src ]]; then
    xz -dc "$circuit_src/sha256_2p20.r1cs.xz" >"$e2e/circuit.r1cs" && gzip -dc "$circuit_src/witness.wtns.gz" >"$e2e/witness.wtns" \
      || fail "e2e: unpacking the circuit"
  else
    scripts/lib/gpu-circuit.sh \
      && ln -sf "$root/target/gpu-circuit/sha256_2p20.r1cs" "$e2e/circuit.r1cs" \
      && ln -sf "$root/target/gpu-circuit/witness.wtns" "$e2e/witness.wtns" \
      || fail "e2e: compiling the circuit with circom2 (see target/gpu-circuit.log)"
  fi
  if [[ -s $e2e/circuit.r1cs ]]; then
    run_logged setup "$zkaccel" setup-insecure --seed 20 "$e2e/circuit.r1cs" "$e2e/circuit.zkey" "$e2e/verification_key.json" \
      || fail "e2e: setup-insecure"
  fi
fi
if want e2e && [[ -s $e2e/circuit.zkey ]]; then
  step "end to end: zkaccel prove on ${gpus[*]:-no GPU} and on the cpu"
  mkdir -p "$out/e2e"
  cp "$e2e/verification_key.json" "$out/e2e/"
  for dev in "${gpus[@]}" cpu; do
    tag=${dev%%:*}
    run_logged "prove-$tag" "$zkaccel" prove -v --devices "$dev" --check-witness "$e2e/circuit.r1cs" \
      "$e2e/circuit.zkey" "$e2e/witness.wtns" "$out/e2e/proof-$tag.json" "$out/e2e/public-$tag.json" \
      || { fail "e2e: prove on $dev"; continue; }
    "$zkaccel" verify "$e2e/verification_key.json" "$out/e2e/public-$tag.json" "$out/e2e/proof-$tag.json" >>"$out/run.log" 2>&1 \
      || fail "e2e: the $dev proof does not verify"
    sed -n '/^proof on/,/peak heap/p' "$out/prove-$tag.log" | tee -a "$out/run.log" >&2
  done
fi

# --- witness: the A query with its real witness against random scalars -----------------------------
if want witness && [[ -s $e2e/circuit.zkey ]]; then
  step "MSM over the key's A query: real witness and random scalars ($backends)"
  run_logged bench-witness "$zkaccel" bench --op msm-witness,groth16 --circuit sha256_2p20 --groth16-fixtures "$fixtures" \
    --backend "$backends" --resident-bases "${repeat[@]}" --json "$out/bench-witness.json" \
    || fail "witness: bench msm-witness"
fi

# --- bench: the sweeps, every backend in the same run ----------------------------------------------
if want bench; then
  step "bench: MSM ($msm_sizes), NTT ($ntt_sizes), Poseidon ($poseidon_sizes) on $backends"
  run_logged bench-msm "$zkaccel" bench --op msm --log-n "$msm_sizes" --backend "$backends" --resident-bases \
    "${repeat[@]}" --json "$out/bench-msm.json" || fail "bench: msm"
  run_logged bench-msm-key "$zkaccel" bench --op msm-key --log-n "${msm_sizes##*,}" --backend "$backends" --resident-bases \
    "${repeat[@]}" --json "$out/bench-msm-key.json" || fail "bench: msm-key"
  run_logged bench-ntt "$zkaccel" bench --op ntt --log-n "$ntt_sizes" --backend "$backends" \
    "${repeat[@]}" --json "$out/bench-ntt.json" || fail "bench: ntt"
  run_logged bench-poseidon "$zkaccel" bench --op poseidon --log-n "$poseidon_sizes" --backend "$backends" \
    "${repeat[@]}" --json "$out/bench-poseidon.json" || fail "bench: poseidon"
  if [[ ${#gpus[@]} -gt 0 ]]; then
    run_logged bench-poseidon-gpu "$zkaccel" bench --op poseidon --log-n "$poseidon_gpu_sizes" \
      --backend "$(IFS=,; echo "${gpus[*]}")" --baseline none "${repeat[@]}" --json "$out/bench-poseidon-gpu.json" \
      || fail "bench: poseidon on the GPUs"
  fi
  if [[ ${#gpus[@]} -gt 0 ]]; then
    sched_size=20; [[ $quick == 1 ]] && sched_size=14
    run_logged bench-scheduler "$zkaccel" bench --op msm,ntt --log-n "$sched_size" \
      --backend "$backends" --scheduler --resident-bases "${repeat[@]}" --json "$out/bench-scheduler.json" \
      || fail "bench: the scheduler over every device"
  fi
fi

# --- profile: Nsight Compute on one MSM and one NTT -----------------------------------------------------
if want profile; then
  step "profile: registers, spills and occupancy per kernel (ptxas, sm_90)"
  run_logged kernel-resources "$kernel_resources" sm_90 || fail "profile: kernel resources (needs NVRTC)"
  cat "$out/kernel-resources.log" >&2
  step "profile: Nsight Compute, MSM and NTT at 2^20 on cuda:0"
  ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n 1)
  if ! has cuda; then
    echo "SKIPPED profile: no CUDA GPU" | tee -a "$out/run.log" >&2
  elif [[ -z $ncu ]]; then
    echo "SKIPPED profile: Nsight Compute (ncu) is not installed" | tee -a "$out/run.log" >&2
  else
    size=20; [[ $quick == 1 ]] && size=14
    for op in msm ntt; do
      run_logged "ncu-$op" "$ncu" --clock-control none --target-processes all \
        --section SpeedOfLight --section Occupancy --section LaunchStats --section MemoryWorkloadAnalysis \
        --launch-count 60 --csv --page details \
        "$zkaccel" bench --op "$op" --log-n "$size" --backend cuda:0 --repeat 1 --warmup 0 --baseline none \
        || fail "profile: ncu $op"
    done
  fi
fi

# --- summary ------------------------------------------------------------------------------------------
{
  echo "# zkaccel GPU run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  [[ -f $out/machine.txt ]] && sed -n '1,12p' "$out/machine.txt"
  for f in "$out"/bench-*.log; do
    [[ -f $f ]] || continue
    echo
    echo "## $(basename "$f" .log)"
    grep -E '^(op |-{20}|(msm|ntt|poseidon|groth16|msm-key|msm-witness) )' "$f"
  done
  if [[ -f $out/kernel-resources.log ]]; then
    echo
    echo "## kernel resources (ptxas)"
    cat "$out/kernel-resources.log"
  fi
  for f in "$out"/prove-*.log; do
    [[ -f $f ]] || continue
    echo
    echo "## $(basename "$f" .log)"
    sed -n '/^proof on/,/peak heap/p' "$f"
  done
  echo
  if [[ ${#failed[@]} == 0 ]]; then echo "all parts passed"; else printf 'FAILED: %s\n' "${failed[@]}"; fi
} >"$out/SUMMARY.txt"
cat "$out/SUMMARY.txt"
[[ ${#failed[@]} == 0 ]]
