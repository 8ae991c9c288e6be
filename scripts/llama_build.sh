#!/usr/bin/env bash
# Build and install a *portable* llama-cpp-python wheel into .venv (see scripts/setup.sh).
#
# Never GGML_NATIVE: a native build depends on the build machine's CPU and crashed (general
# protection fault in libggml-cpu) on one with AVX-512/AMX. Two fixed instruction-set levels:
#   x86-64-v3   AVX, AVX2, FMA, F16C, BMI2 (every x86-64 CPU since 2013-2015)
#   x86-64      no SIMD beyond SSE2, for CPUs without AVX2 (slower; chosen automatically)
# AVX-512, AVX-VNNI and AMX are always off. BASTION_LLAMA_LEVEL=x86-64 forces the baseline.
# The wheel is cached by version, level and flags in $BASTION_WHEEL_CACHE (default
# ~/.cache/bastion/wheels), so fresh clones on one machine build it once (5-8 min on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="$(grep -oE 'llama-cpp-python\[server\]==[0-9.]+' pyproject.toml | cut -d= -f3)"
[ -n "$VERSION" ] || { echo "llama_build: no llama-cpp-python pin in pyproject.toml" >&2; exit 2; }

has_flags() {
  local flag
  for flag in "$@"; do grep -qw "$flag" /proc/cpuinfo 2>/dev/null || return 1; done
}
OFF_ALWAYS="-DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
LEVEL="${BASTION_LLAMA_LEVEL:-}"
if [ -z "$LEVEL" ]; then
  if [ "$(uname -m)" != "x86_64" ]; then LEVEL="generic-$(uname -m)"
  elif has_flags avx2 fma f16c bmi2; then LEVEL="x86-64-v3"
  else LEVEL="x86-64"; fi
fi
case "$LEVEL" in
  x86-64-v3) FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON $OFF_ALWAYS" ;;
  x86-64)    FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_BMI2=OFF $OFF_ALWAYS" ;;
  generic-*) FLAGS="-DGGML_NATIVE=OFF" ;;
  *) echo "llama_build: unknown BASTION_LLAMA_LEVEL '$LEVEL' (x86-64-v3 or x86-64)" >&2; exit 2 ;;
esac
TAG="$(printf '%s' "$VERSION $LEVEL $FLAGS" | sha256sum | cut -c1-12)"
CACHE="${BASTION_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bastion/wheels}/llama-cpp-python-$VERSION-$LEVEL-$TAG"
MARKER=".venv/.llama-cpp-python-build"
WANT="$VERSION $LEVEL $TAG"

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$WANT" ]; then
  exit 0
fi
wheel() { ls "$CACHE"/llama_cpp_python-*.whl 2>/dev/null | head -1; }
mkdir -p "$(dirname "$CACHE")"
exec 9>"$CACHE.lock"
flock 9  # several clones setting up at once build the wheel once
if [ -z "$(wheel)" ]; then
  echo "llama_build: building llama-cpp-python $VERSION for $LEVEL (portable; 5-8 min on 2 cores)"
  mkdir -p "$CACHE.tmp"
  start=$(date +%s)
  CMAKE_ARGS="$FLAGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    .venv/bin/python -m pip wheel --quiet --no-cache-dir --no-deps --no-binary llama-cpp-python \
      -w "$CACHE.tmp" "llama-cpp-python==$VERSION" \
      2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  rm -rf "$CACHE" && mv "$CACHE.tmp" "$CACHE"
  echo "llama_build: built in $(( $(date +%s) - start )) s: $(basename "$(wheel)")"
fi
.venv/bin/python -m pip install --quiet --force-reinstall --no-deps "$(wheel)" \
  2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
echo "$WANT" > "$MARKER"
echo "llama_build: installed the $LEVEL build of llama-cpp-python $VERSION"
