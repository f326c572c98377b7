#!/usr/bin/env bash
# Runs zkaccel's whole test suite: formatting, lints, and every test of every crate.
#
# It installs what the tests need when it is missing (when run as root; otherwise it says
# what to install) and fails if it cannot. Tests that need hardware this machine lacks
# (a GPU, an FPGA card) report themselves skipped with the reason; tests that need
# something this script installs fail when it is missing.
#
# Usage: scripts/test.sh            # everything
#        scripts/test.sh --fast     # skip fmt and clippy
set -euo pipefail
cd "$(dirname "$0")/.."

fast=0
[[ "${1:-}" == "--fast" ]] && fast=1

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [[ "$(id -u)" == 0 ]]; }

# --- what the tests need ---------------------------------------------------------------
need_rust_component() {
  local component=$1 probe=$2
  if ! cargo "$probe" --version >/dev/null 2>&1; then
    command -v rustup >/dev/null 2>&1 || die "cargo $probe is missing and rustup is not installed: install the Rust component '$component'"
    step "installing Rust component $component"
    rustup component add "$component" || die "could not install the Rust component '$component'"
  fi
}

# NVRTC (libnvrtc.so.12, NVIDIA's runtime compiler) for the CUDA backend's kernel compilation
# tests. It runs without a GPU. Taken from the system when the loader finds it; otherwise from
# the nvidia-cuda-nvrtc-cu12 wheel, installed with pip into .tools/nvrtc (git-ignored).
NVRTC_WHEEL='nvidia-cuda-nvrtc-cu12==12.4.*'
nvrtc_dir() { find "$1" -name 'libnvrtc.so.12' -printf '%h\n' 2>/dev/null | head -n 1; }
need_nvrtc() {
  local tools=.tools/nvrtc dir=""
  if ldconfig -p 2>/dev/null | grep -q 'libnvrtc\.so\.12'; then
    return
  fi
  [[ -d $tools ]] && dir=$(nvrtc_dir "$tools")
  if [[ -z $dir ]]; then
    command -v python3 >/dev/null 2>&1 || die "NVRTC is missing and python3 is not installed: install python3 and pip, or the CUDA toolkit"
    step "installing NVRTC ($NVRTC_WHEEL) into $tools"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target "$tools" "$NVRTC_WHEEL" \
      || die "could not install $NVRTC_WHEEL with pip; install the CUDA toolkit (libnvrtc.so.12) instead"
    dir=$(nvrtc_dir "$tools")
    [[ -n $dir ]] || die "$NVRTC_WHEEL installed but libnvrtc.so.12 is not under $tools"
  fi
  # libnvrtc.so.12 finds its libnvrtc-builtins in its own directory (RUNPATH $ORIGIN).
  export LD_LIBRARY_PATH="$PWD/$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "NVRTC: $PWD/$dir"
}

# Mesa's lavapipe (a Vulkan driver that runs on the CPU): every WebGPU test runs on it, and
# those tests fail in CI when no adapter is found. From Debian's mesa-vulkan-drivers (plus
# the Vulkan loader, libvulkan1) when its ICD file is missing.
need_lavapipe() {
  if compgen -G '/usr/share/vulkan/icd.d/lvp_icd*.json' >/dev/null && ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
    return
  fi
  if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
    die "Mesa's lavapipe Vulkan driver is missing: install mesa-vulkan-drivers and libvulkan1 (Debian/Ubuntu) or your distribution's equivalent"
  fi
  step "installing Mesa's lavapipe (mesa-vulkan-drivers, libvulkan1)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null; } \
    || die "could not install mesa-vulkan-drivers with apt-get"
  compgen -G '/usr/share/vulkan/icd.d/lvp_icd*.json' >/dev/null || die "mesa-vulkan-drivers installed but no lavapipe ICD file"
}

# snarkjs, circom2 and circomlib (npm ci in scripts/node, git-ignored node_modules) and the
# Groth16 keys, witnesses and snarkjs proofs that host/tests/groth16_snarkjs.rs checks zkaccel
# against, built by scripts/groth16-fixtures.sh (a rerun with nothing changed takes a second).
need_groth16_fixtures() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    is_root && command -v apt-get >/dev/null 2>&1 \
      || die "Node.js or npm is missing: install Node.js 18 or later with npm (the Groth16 tests run snarkjs)"
    step "installing Node.js and npm (Debian's nodejs, npm)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq nodejs npm >/dev/null \
      || { apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; } \
      || die "could not install nodejs and npm with apt-get"
  fi
  step "Groth16 fixtures (circom2 and snarkjs)"
  local vars
  vars=$(scripts/groth16-fixtures.sh target/groth16-fixtures) || die "could not build the Groth16 fixtures (scripts/groth16-fixtures.sh)"
  export ZKACCEL_GROTH16_FIXTURES ZKACCEL_SNARKJS
  ZKACCEL_GROTH16_FIXTURES=$(sed -n 's/^ZKACCEL_GROTH16_FIXTURES=//p' <<<"$vars")
  ZKACCEL_SNARKJS=$(sed -n 's/^ZKACCEL_SNARKJS=//p' <<<"$vars")
  [[ -d $ZKACCEL_GROTH16_FIXTURES && -f $ZKACCEL_SNARKJS ]] || die "scripts/groth16-fixtures.sh did not report its output paths"
  echo "Groth16 fixtures: $ZKACCEL_GROTH16_FIXTURES; snarkjs: $ZKACCEL_SNARKJS"
}

# Verilator (Debian's verilator) for the FPGA backend: its tests build the RTL into cycle-accurate
# models (cached under target/zkaccel-fpga-sim/) and fail in CI when it is missing.
need_verilator() {
  if command -v verilator >/dev/null 2>&1 && command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1; then
    return
  fi
  if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
    die "Verilator is missing: install verilator, make and g++ (Debian/Ubuntu) or your distribution's equivalent"
  fi
  step "installing Verilator (verilator, make, g++)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq verilator make g++ >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq verilator make g++ >/dev/null; } \
    || die "could not install verilator with apt-get"
  command -v verilator >/dev/null 2>&1 || die "verilator installed but not on PATH"
}

need_yosys() {
  if command -v yosys >/dev/null 2>&1; then
    return
  fi
  if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
    die "Yosys is missing: install yosys (Debian/Ubuntu) or your distribution's equivalent"
  fi
  step "installing Yosys (the FPGA synthesis checks)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq yosys >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq yosys >/dev/null; } \
    || die "could not install yosys with apt-get"
  command -v yosys >/dev/null 2>&1 || die "yosys installed but not on PATH"
}

# The daemon's services, each on its own port and directory under target/, stopped on exit:
# PostgreSQL (Debian's postgresql) for the queue tests, moto's S3-compatible server (PyPI) for
# the artifact-store tests. Their tests fail in CI when these are missing.
services_dir="$PWD/target/test-services"
stop_services() {
  scripts/postgres-test-server.sh stop "$services_dir/postgres" >/dev/null 2>&1 || true
  scripts/s3-test-server.sh stop "$services_dir/s3" >/dev/null 2>&1 || true
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
need_daemon_services() {
  step "PostgreSQL and S3 test servers for the daemon"
  trap stop_services EXIT
  local line
  line=$(scripts/postgres-test-server.sh start "$(free_port)" "$services_dir/postgres") \
    || die "could not start the PostgreSQL test server (scripts/postgres-test-server.sh)"
  export "${line?}"
  line=$(scripts/s3-test-server.sh start "$(free_port)" "$services_dir/s3") \
    || die "could not start the S3 test server (scripts/s3-test-server.sh)"
  export "${line?}"
  echo "PostgreSQL: $ZKACCEL_TEST_POSTGRES_URL; S3: $ZKACCEL_TEST_S3_ENDPOINT"
}

# Schemathesis (PyPI) fuzzes the daemon's API from its OpenAPI document
# (host/tests/daemon_schemathesis.rs), in a git-ignored virtualenv.
SCHEMATHESIS_SPEC='schemathesis>=4,<5'
need_schemathesis() {
  local venv=.tools/schemathesis
  if [[ ! -x $venv/bin/schemathesis ]]; then
    step "installing $SCHEMATHESIS_SPEC into $venv"
    python3 -m venv "$venv" || die "python3 -m venv failed: install python3-venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$SCHEMATHESIS_SPEC" \
      || die "could not install $SCHEMATHESIS_SPEC with pip"
  fi
  export ZKACCEL_SCHEMATHESIS="$PWD/$venv/bin/schemathesis"
}

step "checking tools"
command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust from https://rustup.rs"
need_rust_component rustfmt fmt
need_rust_component clippy clippy
need_nvrtc
need_lavapipe
need_verilator
need_yosys
need_groth16_fixtures
need_daemon_services
need_schemathesis
# lavapipe warns on every device creation when this is unset.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
cargo --version

# --- checks ------------------------------------------------------------------------------
if [[ $fast == 0 ]]; then
  step "cargo fmt --check"
  cargo fmt --all -- --check

  step "cargo clippy (warnings are errors)"
  cargo clippy --workspace --all-targets --release --locked -- -D warnings
fi

step "building and running every test (optimised: the suite runs 2^16-point MSMs)"
mkdir -p target
log=target/test-output.log
set +e
cargo test --workspace --release --locked --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The CPU's vector (AVX-512 IFMA) paths are chosen at run time; run the conformance suite once
# more on the portable scalar paths so both stay correct on any machine.
step "conformance suite again on the scalar paths (ZKACCEL_CPU_SIMD=off)"
ZKACCEL_CPU_SIMD=off cargo test --release --locked -p zkaccel-backends --test cpu_conformance 2>&1 | tee -a "$log"
scalar_status=${PIPESTATUS[0]}
[[ $status != 0 ]] || status=$scalar_status
set -e

step "quick start (scripts/quickstart.sh: the daemon on its embedded defaults proves a bundled circuit)"
if ! ZKACCEL_QUICKSTART_PORT=$(free_port) scripts/quickstart.sh 2>&1 | tee -a "$log" | tail -n 3; then
  [[ $status != 0 ]] || status=1
  echo "error: scripts/quickstart.sh failed" | tee -a "$log"
fi

step "summary"
sum_of() { grep -E '^test result:' "$log" | grep -oE "[0-9]+ $1" | awk '{s += $1} END {print s + 0}'; }
skipped=$(grep -c '^SKIPPED ' "$log" || true)
echo "tests: $(sum_of passed) passed, $(sum_of failed) failed, ${skipped} skipped"
if [[ $skipped -gt 0 ]]; then
  echo "skipped (hardware absent):"
  grep '^SKIPPED ' "$log" | sort | uniq -c | sed 's/^/  /'
fi
[[ $status == 0 ]] || die "tests failed (exit $status); see $log"
