#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build OffloadLab: OpenBLAS (CBLAS),
# LAPACKE, SuiteSparse (KLU) and pkg-config. Does nothing when they are already present.
set -euo pipefail
needed=(libopenblas-dev liblapacke-dev libsuitesparse-dev pkgconf)
# make python-test builds a venv for the Python package's tests: python3 with venv/ensurepip.
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || needed+=(python3 python3-venv)
missing=()
for package in "${needed[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
sudo_prefix=()
[ "$(id -u)" -eq 0 ] || sudo_prefix=(sudo)
"${sudo_prefix[@]}" apt-get update
"${sudo_prefix[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
