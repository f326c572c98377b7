#!/usr/bin/env bash
# Builds the kit that scripts/gpu-run.sh runs on a GPU machine without Rust, node or a network
# (a lent cloud GPU, a rig): one compressed archive, small enough to copy anywhere.
#
#   target/gpu-kit/kit.tar.xz   holding
#     bin/zkaccel                     the release binary, stripped
#     bin/kernel_resources            ptxas's registers / spills / occupancy per CUDA kernel
#     tests/<crate>-<target>          the CUDA and WebGPU crates' test executables, stripped
#     nvrtc/libnvrtc*.so.12*          NVRTC 12.4 from PyPI (used when the machine has no libnvrtc.so.12)
#     gl/*.deb                        the Vulkan loader and GL dispatch (Debian amd64), for WebGPU
#     circuit/sha256_2p20.r1cs.xz     the 2^20-constraint circuit (circom2 --O2)
#     circuit/witness.wtns.gz         its witness (snarkjs wtns calculate)
#     circuit/sha256_2p20.input.json, MANIFEST
#
# The test executables find their fixtures through the source path they were built in
# (printed as SOURCE_ROOT in MANIFEST); gpu-run.sh links that path to the checkout it runs in.
#
# Usage: scripts/gpu-kit.sh [--no-gl] [OUT_DIR]     (default target/gpu-kit)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
step() { printf '==> %s\n' "$*" >&2; }

gl=1
out=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --no-gl) gl=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) out=$1 ;;
  esac
  shift
done
out=${out:-target/gpu-kit}
for tool in cargo strip xz gzip python3 node; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,tests,nvrtc,gl,circuit} "$out"

step "building the release binary and the kernel resource report"
cargo build --release -p zkaccel >&2
cargo build --release -p zkaccel-cuda --example kernel_resources >&2
cp target/release/zkaccel target/release/examples/kernel_resources "$stage/bin/"

step "building the CUDA and WebGPU test executables"
cargo test --release -p zkaccel-cuda -p zkaccel-webgpu --no-run --message-format=json 2>/dev/null \
  | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(m["package_id"].split("#")[-1].split("@")[0], m["target"]["name"], m["executable"])
' | while read -r crate target exe; do
  # The emulated CUDA tests run on the CPU and in CI; the GPU machine runs the rest.
  case $target in *emulated*|emulator_launch|field_curve_host|msm_overlap) continue ;; esac
  cp "$exe" "$stage/tests/$crate-$target"
done
[[ -n $(ls "$stage/tests") ]] || die "no test executable was built"
strip "$stage"/bin/* "$stage"/tests/*

step "NVRTC 12.4"
nvrtc=$(find .tools/nvrtc -name 'libnvrtc.so.12' -printf '%h\n' 2>/dev/null | head -n 1 || true)
if [[ -z $nvrtc ]]; then
  python3 -m pip install -q --target .tools/nvrtc 'nvidia-cuda-nvrtc-cu12==12.4.*' >&2 \
    || die "could not install nvidia-cuda-nvrtc-cu12 with pip"
  nvrtc=$(find .tools/nvrtc -name 'libnvrtc.so.12' -printf '%h\n' | head -n 1)
fi
cp "$nvrtc"/libnvrtc*.so.12* "$stage/nvrtc/"

if [[ $gl == 1 ]]; then
  step "Vulkan loader packages (Debian amd64)"
  lists=$(mktemp -d)
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
  mkdir -p "$lists/partial"
  apt-get "${o[@]}" update >/dev/null \
    && (cd "$stage/gl" && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null) \
    || die "apt-get could not download the Vulkan loader packages (use --no-gl where the GPU machine has libvulkan.so.1)"
  rm -rf "$lists"
fi

step "the 2^20-constraint circuit (circom2 --O2, snarkjs wtns calculate)"
scripts/lib/gpu-circuit.sh || die "the circuit could not be built"
build=target/gpu-circuit
xz -T0 -6 -c "$build/sha256_2p20.r1cs" >"$stage/circuit/sha256_2p20.r1cs.xz"
gzip -9 -c "$build/witness.wtns" >"$stage/circuit/witness.wtns.gz"
cp host/tests/circuits/sha256_2p20.input.json "$stage/circuit/"

{
  echo "SOURCE_ROOT=$root"
  echo "GIT_COMMIT=$(git rev-parse HEAD)$(git diff --quiet HEAD || echo -dirty)"
  echo "BUILT=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "RUSTC=$(rustc --version)"
} >"$stage/MANIFEST"

step "packing"
tar -C "$stage" -cf - . | xz -T0 -9e >"$out/kit.tar.xz"
step "kit: $out/kit.tar.xz ($(du -h "$out/kit.tar.xz" | cut -f1)); run it with scripts/gpu-run.sh --kit $out/kit.tar.xz"
