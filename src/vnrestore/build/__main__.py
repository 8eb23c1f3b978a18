"""Entry point: ``python -m vnrestore.build {lm,context,lexicons,channel} [options]``."""

from __future__ import annotations

import importlib
import sys

COMMANDS = {"lm": "vnrestore.build.lm", "context": "vnrestore.build.context",
            "lexicons": "vnrestore.build.lexicons",
            "channel": "vnrestore.build.channel"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        names = ",".join(COMMANDS)
        print(f"usage: python -m vnrestore.build {{{names}}} [options]", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[argv[0]])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
