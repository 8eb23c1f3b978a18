"""vnrestore: turn garbled OCR output of Vietnamese documents back into correct Vietnamese.

>>> from vnrestore import restore          # doctest: +SKIP
>>> restore("Két luan s6 57-KL/TW ciia B Chinh trj")  # doctest: +SKIP
'Kết luận số 57-KL/TW của Bộ Chính trị'

Nothing heavy is imported or loaded until the first call.
"""

from __future__ import annotations

__all__ = ["RestoreConfig", "apply_edits", "restore", "restore_and_explain", "__version__"]


def __getattr__(name: str):
    if name == "__version__":  # from the installed metadata: pyproject.toml is the one source
        from importlib.metadata import version

        return version("vnrestore")
    if name in ("restore", "restore_and_explain", "Edit", "Result", "apply_edits"):
        from . import pipeline as _pipeline

        return getattr(_pipeline, name)
    if name == "RestoreConfig":
        from .config import RestoreConfig

        return RestoreConfig
    raise AttributeError(name)
