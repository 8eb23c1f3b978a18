"""Byte-identical output check for refactors: ``python benchmarks/snapshot.py save|compare LABEL``.

Restores every input we have (the seeds, the bundled sample, the test data, the dev and
test sets of ``datasets.make_sets``, the synthetic OCR sets in ``.cache/bench`` and the UD
dev text, stripped and as it is) and keeps the outputs under ``.cache/snapshot/LABEL/``.
``compare`` restores again and lists every input whose text differs from the saved one
(exit 1 if any).  The texts are corpus-derived, so they stay in the gitignored cache.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from datasets import make_sets, ud_sets  # noqa: E402
from run import DATA, SEEDS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / ".cache" / "snapshot"


def inputs() -> dict[str, tuple[Path, str]]:
    """name -> (input file, source option)."""
    found: dict[str, tuple[Path, str]] = {}
    for path in sorted(SEEDS.glob("*.ocr.txt")):
        found[f"seed-{path.name}"] = (path, "auto")
    for path in sorted((ROOT / "samples").glob("*.txt")) + sorted(
            (ROOT / "tests" / "data").glob("*.txt")):
        found[f"{path.parent.name}-{path.name}"] = (path, "auto")
    for sets in (make_sets(dev=True), make_sets(), ud_sets()):
        for name, (inp, _) in sets.items():
            found[name] = (inp, "auto")
    for path in sorted(DATA.glob("*.ocr.txt")):
        name = path.name.removesuffix(".ocr.txt")
        found[name] = (path, "auto")
        if "-vie-" in name:
            found[f"{name}@vie-ocr"] = (path, "vie-ocr")
    return found


def cases_text() -> str:
    cases = json.loads((ROOT / "tests" / "data" / "cases.json").read_text(encoding="utf-8"))
    return "\n".join(c["original"] for group in cases.values() for c in group) + "\n"


def restore_all() -> dict[str, str]:
    from vnrestore.pipeline import get_restorer

    restorer = get_restorer()
    texts = {name: (path.read_text(encoding="utf-8"), source)
             for name, (path, source) in inputs().items()}
    texts["cases"] = (cases_text(), "auto")
    out = {}
    for name, (text, source) in texts.items():
        out[name] = restorer.restore(text, source=source, explain=False,
                                     confidence=False).text
        # The explained path must give the same text.
        out[f"{name}@explained"] = restorer.restore(text, source=source).text
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=("save", "compare"))
    ap.add_argument("label")
    args = ap.parse_args(argv)
    folder = OUT / args.label
    outputs = restore_all()
    if args.action == "save":
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in outputs.items():
            (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        print(f"saved {len(outputs)} outputs in {folder}")
        return 0
    differ = []
    for name, text in outputs.items():
        saved = folder / f"{name}.txt"
        old = saved.read_text(encoding="utf-8") if saved.exists() else None
        if old != text:
            differ.append(name)
            print(f"DIFFERS: {name}", file=sys.stderr)
    digest = hashlib.sha256("".join(outputs[k] for k in sorted(outputs)).encode()).hexdigest()
    print(f"{len(outputs)} outputs compared with {args.label}: {len(differ)} differ "
          f"(sha256 of all {digest[:16]})")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
