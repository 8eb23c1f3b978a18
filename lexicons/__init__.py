"""The data vnrestore runs on (see README.md here): installed as ``vnrestore.lexicons``.

No code: this file only makes the folder a package, so ``importlib.resources`` finds the
data wherever the wheel puts it (pip, pipx) and in an editable install alike.
"""
