#!/usr/bin/env bash
# A release people can install: build the sdist and, from it, the wheel; install the wheel
# into a fresh virtual environment outside the checkout; restore the bundled sample through
# it and require the same bytes as the development install gives.  Run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=${DEV_PYTHON:-.venv/bin/python}
work=$(mktemp -d "${TMPDIR:-/tmp}/vnrestore-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$DEV" -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check "$work"/dist/*.whl
sample="$PWD/samples/thuong-xuan-2024.ocr.txt"
# Run from outside the checkout, so nothing can be found through the working directory.
(cd "$work" && "$work/venv/bin/vnrestore" clean -q "$sample" >"$work/wheel.txt")
"$DEV" -m vnrestore clean -q "$sample" >"$work/dev.txt"
cmp "$work/wheel.txt" "$work/dev.txt"
# The lexicon builder's hand-written lists (src/vnrestore/build/data/) are package data too.
(cd "$work" && "$work/venv/bin/python" -c "from vnrestore.build import lexicons as b
assert b.hand_admin_terms() and b.hand_abbreviations() and b.boundary_words() and b.unit_prefixes()")
# The plain install carries only what clean, eval and ocr need at run time.
if "$work/venv/bin/pip" list 2>/dev/null | grep -qiE '^(underthesea|pyvi|pytest) '; then
  echo "check_wheel: the plain install pulled a build or test dependency" >&2; exit 1
fi
size=$(du -sm "$work/venv/lib/"python3*/site-packages | cut -f1)
echo "check_wheel: sdist and wheel built; the installed wheel restores the sample byte-identically (site-packages ${size} MB)"
