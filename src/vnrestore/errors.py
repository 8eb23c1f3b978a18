"""Exit codes and the exceptions that carry them (one handler at the CLI prints them)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented process exit codes of the ``vnrestore`` command."""

    ok = 0
    internal_error = 1  #: a bug: please report it with the input
    usage = 2  #: bad options or arguments
    input_error = 3  #: an input could not be read or decoded (others still processed)
    output_error = 4  #: an output could not be written (disk full, permission, exists)
    missing_dependency = 5  #: an external program (Tesseract, pdftoppm) is not installed
    cluster = 6  #: the Dask scheduler could not be reached, or was lost (--dask)
    interrupted = 130  #: Ctrl-C; no partial output is left behind

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    ExitCode.ok: "every input was processed",
    ExitCode.internal_error: "a bug; rerun with -v and report it",
    ExitCode.usage: "bad options or arguments",
    ExitCode.input_error: "an input could not be read or decoded (named on stderr; the "
                          "other inputs were still processed)",
    ExitCode.output_error: "an output could not be written (disk full, closed pipe, "
                           "permission), or a backup would have been overwritten",
    ExitCode.missing_dependency: "Tesseract or poppler is not installed (the message "
                                 "gives the install command)",
    ExitCode.cluster: "the Dask scheduler could not be reached or was lost (--dask); "
                      "outputs already written are complete",
    ExitCode.interrupted: "Ctrl-C; no partial output was left behind",
}


class VnrestoreError(Exception):
    """Base class: every error knows its exit code; ``str()`` is the one-line message."""

    exit_code = ExitCode.internal_error


class InputError(VnrestoreError):
    """An input file cannot be read, is binary, or cannot be decoded."""

    exit_code = ExitCode.input_error

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class OutputError(VnrestoreError):
    exit_code = ExitCode.output_error

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class MissingDependencyError(VnrestoreError):
    """An external program is missing; the message says how to install it."""

    exit_code = ExitCode.missing_dependency


class UsageError(VnrestoreError):
    exit_code = ExitCode.usage


class ClusterError(VnrestoreError):
    """The Dask scheduler (``--dask ADDRESS``) cannot be reached or went away."""

    exit_code = ExitCode.cluster

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"{address}: {reason}")
        self.address = address
