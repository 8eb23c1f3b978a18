#!/usr/bin/env bash
# Install everything the tests need (system packages, Python packages) and run them.
# Used by CI (.ci/run) and by the README's test command on a new machine.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
while read -r pkg; do
  [ -z "$pkg" ] || [ "${pkg:0:1}" = "#" ] && continue
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done < scripts/system-packages.txt
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,pdf,dask]'
.venv/bin/python -m ruff check src tests scripts benchmarks
.venv/bin/python -m mypy
.venv/bin/python -m pytest "$@"
bash scripts/check_wheel.sh
