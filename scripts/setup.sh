#!/usr/bin/env bash
# Installs the system toolchain elixir-workers builds with. Idempotent: when
# everything is present it only checks, in well under a second.
#
#   clang-19, lld-19, libclang-rt-19-dev-wasm32, wasi-libc  C → wasm32-wasi (AtomVM, test guests)
#   binaryen, wabt                                          wasm-opt, wasm-objdump
#   clang-format-19                                         the C formatting check (atomvm-wasi, verify);
#                                                           Debian 12's plain clang-format is 14, too old
#   cmake, gperf                                            AtomVM's build
#   erlang, elixir                                          erlc / elixirc for the worker's code
#   nodejs, npm                                             the Cloudflare Worker side (wrangler)
#   chromium                                                the archetype's browser test (headless;
#                                                           playwright-core drives it, no browser download)
#   a JDK 17+                                               Maven itself (./mvnw fetches Maven)
set -euo pipefail

packages=(
  clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc
  binaryen wabt cmake gperf make
  clang-format-19
  erlang-base erlang-dev erlang-tools erlang-eunit erlang-syntax-tools
  erlang-parsetools erlang-crypto erlang-public-key erlang-ssl erlang-inets erlang-xmerl
  elixir
  chromium
)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<'MSG'
scripts/setup.sh installs packages on Debian/Ubuntu only. Elsewhere install:
  - wasi-sdk (https://github.com/WebAssembly/wasi-sdk) and set WASI_SDK_PATH,
    or a clang ≥ 17 with the wasm32-wasi target, wasm-ld and a wasi-libc sysroot
  - cmake, gperf, binaryen (wasm-opt)
  - Erlang/OTP 25+ and Elixir 1.14+ (erlc, elixirc on the PATH)
  - Node.js 20+ and a JDK 17+
  - clang-format 19 for the C formatting check (LLVM 19's; pass it as
    -Dclang-format.executable=... unless it is clang-format-19 on the PATH)
MSG
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$package")
done

# Node.js may come from NodeSource (which bundles npm and conflicts with
# Debian's npm package): only install Debian's when there is no node at all.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]} == 0)); then
  echo "setup: all system packages already present"
else
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v java >/dev/null 2>&1; then
  echo "setup: no java on the PATH — install a JDK 17+ (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless)" >&2
  exit 1
fi
