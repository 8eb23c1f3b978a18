"""Running a batch on a Dask cluster (``--dask ADDRESS``) instead of local processes.

The batch commands plan their tasks as usual (input path, output path); here each task
becomes a Dask future.  Workers read and write the files by path on storage they share
with the client, so the scheduler carries only paths and counts, never the texts.  The
outcomes come back through the futures and are reported in input order, as with
``--jobs``; the outputs are byte-identical to a ``--jobs`` run.

* The model loads once per worker process: a worker plugin loads it when the worker
  joins, and ``get_restorer`` caches it for every later task in that process.
* A text file larger than ``ClusterOptions.split_bytes`` is restored in parts (paragraph
  chunks, as ``clean`` reads any file) by several tasks, then joined by one more task:
  one big file does not hold up a worker while the others idle.
* A worker that dies has its tasks run again elsewhere by the scheduler; outputs appear
  only when complete (atomic renames), so a lost worker costs time, never output.

Python API, for texts already in a Dask collection (one model per worker process)::

    import dask.bag as db
    from vnrestore.cluster import restore_partition

    texts = db.from_sequence(documents, npartitions=8)
    restored = texts.map_partitions(restore_partition).compute()

and for files on shared storage, with the CLI's semantics (skips, reports, exit code)::

    from vnrestore.cluster import restore_files
    code = restore_files(["scans/"], "clean/", address="tcp://scheduler:8786")
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ClusterError, MissingDependencyError

if TYPE_CHECKING:
    from .batch import Outcome, Task


@dataclass(frozen=True)
class ClusterOptions:
    """How a batch runs on Dask (the knobs, with the evidence that chose them)."""

    address: str = "local"  # tcp://host:port of a running `dask scheduler`, or "local"
    workers: int = 0  # for "local": worker processes (0: one per core)
    # A text file over this size is restored in parts of this many characters.  4 MiB
    # of OCR text is ~600k words, about a minute of one core: parts long enough that
    # scheduling costs nothing against them, short enough that a 50 MB file spreads over
    # a dozen tasks.
    split_bytes: int = 4 << 20
    # A scheduler that does not answer within this time is an error (exit 6).
    connect_timeout: str = "10s"


# ------------------------------------------------------------------------ connecting

# A local cluster runs on the cores the workers need, so its housekeeping is set for a
# batch: the event-loop health tick (every 20 ms by default, in the scheduler, each nanny
# and each worker), the system monitor (500 ms, feeds the dashboard, which is off) and
# the stack sampler (10 ms, feeds the profile view) wake every process's main thread to
# take the GIL from the restorer.  With the defaults the processes of `--dask local
# --jobs 2` used 5.9 s more CPU than `--jobs 2` on the 200-file tree of
# benchmarks/dask_run.py (65.0 against 59.1 s): 1.8 s in the scheduler process, 1.1 s
# worker start-up, the rest in the workers' main threads.
LOCAL_CONFIG = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "500ms",
}


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise MissingDependencyError("--dask needs Dask; install it with: "
                                     "pip install 'vnrestore[dask]'") from None
    return distributed


@contextmanager
def connect(options: ClusterOptions, lexicons: tuple[str, ...] = ()) -> Iterator[Any]:
    """A Dask client: to the scheduler at ``options.address``, or to a new local cluster
    of worker processes (one thread each: the restorer is pure Python, threads would
    only share one core).  Workers load the model as they join."""
    distributed = _distributed()
    if options.address == "local":
        import dask

        n = options.workers or os.cpu_count() or 1
        # The config reaches the scheduler and nannies made here, and the workers through
        # their nannies.
        with dask.config.set(LOCAL_CONFIG):
            cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1,
                                               processes=True, dashboard_address=None,
                                               silence_logs=logging.ERROR)
        client = distributed.Client(cluster)
    else:
        cluster = None
        try:
            client = distributed.Client(options.address, timeout=options.connect_timeout)
        except (OSError, ValueError) as exc:
            raise ClusterError(options.address, f"cannot reach the Dask scheduler "
                                                f"({_reason(exc)})") from None
    try:
        client.register_plugin(Preload(lexicons), name="vnrestore-preload")
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


try:  # the base class register_plugin recognises; the module needs the dask extra anyway
    from distributed import WorkerPlugin as _WorkerPlugin
except ImportError:  # reported by _distributed() when --dask is used
    _WorkerPlugin = object  # type: ignore[misc,assignment]


class Preload(_WorkerPlugin):
    """Worker plugin: load the model once, when a worker joins (or restarts)."""

    def __init__(self, lexicons: tuple[str, ...] = ()) -> None:
        self.lexicons = lexicons

    def setup(self, worker: Any) -> None:
        from .config import collect_rarely
        from .pipeline import get_restorer

        collect_rarely()  # as the CLI does: a worker process runs our tasks only
        _malloc_defaults()
        # On a cluster started elsewhere: Dask samples the stack of running tasks every
        # 10 ms for its profile view; a batch has no use for it, and it cost 6-8% of the
        # wall time of a worker here.  The event-loop tick goes from 20 ms to 1 s.
        for name in ("profile", "profile-cycle"):
            callback = worker.periodic_callbacks.pop(name, None)
            if callback is not None:
                callback.stop()
        tick = worker.periodic_callbacks.get("tick")
        if tick is not None:
            tick.callback_time = max(tick.callback_time, 1000)
        get_restorer(self.lexicons)


def _malloc_defaults() -> None:
    """Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, and a trim
    threshold set at all also pins glibc's mmap threshold at 128 KiB: the restorer's
    allocations then went to the kernel and back, and a worker restored 32% slower than
    the same code in a CLI process (19.7 s -> 26.0 s of CPU on 100 files).  Both go to
    the ceiling glibc's own adaptive thresholds reach (32 MiB): 20.0 s."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_trim_threshold, 32 << 20)
    mallopt(m_mmap_threshold, 32 << 20)


# ------------------------------------------------------------------------ executing


@dataclass(frozen=True)
class Split:
    """How a command restores one big file in parts: ``part(task, k, n)`` restores part
    ``k`` of ``n`` into a side file, ``join(task, results)`` puts the parts in place."""

    part: Callable[[Task, int, int], Any]
    join: Callable[[Task, list[Any]], Outcome]


def execute(client: Any, fn: Callable[[Task], Outcome], tasks: list[Task],
            options: ClusterOptions, split: Split | None = None) -> Iterator[Outcome]:
    """Outcomes in task order, each as soon as it (and those before it) are done."""
    distributed = _distributed()
    futures = [_submit(client, fn, task, options, split) for task in tasks]
    index = {f.key: i for i, f in enumerate(futures)}
    done: dict[int, Outcome] = {}
    emitted = 0
    try:
        for future in distributed.as_completed(futures):
            done[index[future.key]] = _result(future, tasks[index[future.key]], distributed)
            while emitted in done:
                yield done.pop(emitted)
                emitted += 1
    except OSError as exc:  # the scheduler went away
        raise ClusterError(options.address, f"lost the Dask scheduler ({_reason(exc)})"
                           ) from None
    finally:
        client.cancel([f for f in futures if not f.done()])
        _sweep(tasks)


def _sweep(tasks: list[Task]) -> None:
    """Remove the temporary files of writes that a dead worker left half-done (its task
    ran again elsewhere): hidden ``.NAME.*.vnrestore-tmp`` beside this run's outputs."""
    from .files import TEMP_SUFFIX

    names: dict[Path, set[str]] = {}
    for task in tasks:
        if task.dst is not None:
            names.setdefault(task.dst.parent, set()).add(task.dst.name)
    for directory, outputs in names.items():
        try:
            entries = [e for e in os.scandir(directory) if e.name.endswith(TEMP_SUFFIX)]
        except OSError:
            continue
        for entry in entries:
            if any(entry.name.startswith(f".{name}.") for name in outputs):
                Path(entry.path).unlink(missing_ok=True)


def _submit(client: Any, fn: Callable[[Task], Outcome], task: Task,
            options: ClusterOptions, split: Split | None) -> Any:
    n = _parts(task, options) if split is not None else 1
    if n <= 1 or split is None:
        return client.submit(fn, task, pure=False)
    parts = [client.submit(split.part, task, k, n, pure=False) for k in range(n)]
    return client.submit(split.join, task, parts, pure=False)


def _parts(task: Task, options: ClusterOptions) -> int:
    if task.dst is None:
        return 1
    try:
        size = task.src.stat().st_size
    except OSError:
        return 1  # the task reports it
    return max(1, math.ceil(size / options.split_bytes))


def _result(future: Any, task: Task, distributed: Any) -> Outcome:
    from .batch import Outcome
    from .errors import ExitCode

    try:
        return future.result()
    except distributed.KilledWorker:
        # The scheduler gave up after workers died running it again and again (out of
        # memory?): this input fails, the others go on.
        return Outcome(str(task.src), False, code=int(ExitCode.cluster),
                       error=f"{task.src}: Dask workers died running it "
                             "(out of memory?); not written")


# ------------------------------------------------------------------------ Python API


def restore_partition(texts: Iterable[str], **options: Any) -> list[str]:
    """Restore each text of a partition (``bag.map_partitions(restore_partition)``);
    ``options`` are ``vnrestore.restore``'s (tone_style, source, lexicons)."""
    from .pipeline import restore

    return [restore(text, **options) for text in texts]


def restore_files(paths: Iterable[str | Path], out_dir: str | Path, *,
                  address: str = "local", workers: int = 0, report: str | Path | None = None,
                  force: bool = False, quiet: bool = True) -> int:
    """``vnrestore clean PATHS --out-dir OUT_DIR --dask ADDRESS`` as a call: the exit code
    (0 all written, 3 some input failed, see ``vnrestore.errors.ExitCode``)."""
    from .batch import CleanOptions, Job, run_clean

    opts = CleanOptions(paths=[Path(p) for p in paths], out_dir=Path(out_dir), force=force,
                        report=Path(report) if report else None, quiet=quiet,
                        dask=ClusterOptions(address, workers))
    return int(run_clean(Job(explain=report is not None), opts))
