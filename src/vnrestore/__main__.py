"""``python -m vnrestore`` is the ``vnrestore`` command."""

from .cli import main

if __name__ == "__main__":
    main()
