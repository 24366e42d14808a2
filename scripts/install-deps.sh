#!/usr/bin/env bash
# Installs every Debian package that childsafe's build, tests, benchmarks and fuzzers need.
# Idempotent: when everything is already installed it only checks and returns (about a second).
# Run as root (or with sudo available) on Debian 12.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  clang libclang-rt-14-dev clang-format
  # libraries (see docs/ARCHITECTURE.md for what each is for)
  libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libsodium-dev
  libexpected-dev libcli11-dev libspdlog-dev libfmt-dev libicu-dev libhyperscan-dev
  libjpeg62-turbo-dev libpng-dev libwebp-dev libgif-dev zlib1g-dev libssl-dev
  libgoogle-perftools-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev libfaiss-dev wrk curl procps iproute2
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: missing packages (${missing[*]}) and not root; run as root" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
