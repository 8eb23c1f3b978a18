"""Re-mark which golden cases currently fail: `python tests/data/mark_known_failures.py`.

Run it after a deliberate change to the models, then read the diff of cases.json: every
new `known_failure` is a regression to justify, every removed one a fix, every changed
`currently` a different wrong output.  A known failure pins its current output
(`currently`), and the tests require exactly that output, so any change shows.
"""

from __future__ import annotations

import json
from pathlib import Path

import vnrestore

CASES = Path(__file__).with_name("cases.json")


def main() -> None:
    cases = json.loads(CASES.read_text(encoding="utf-8"))
    for group in cases.values():
        for case in group:
            got = vnrestore.restore(case["original"])
            case.pop("known_failure", None)
            case.pop("currently", None)
            if got != case["expected"]:
                wrong = [f"{g}≠{e}" for g, e in zip(got.split(), case["expected"].split(),
                                                     strict=False) if g != e]
                case["known_failure"] = "gives " + ", ".join(wrong[:4] or [got])
                case["currently"] = got
    CASES.write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
