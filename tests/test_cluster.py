"""Running a batch on Dask (``--dask``): same outputs, skips, errors and reports as
``--jobs``; big files split into parts; a killed worker costs no output; a real
``dask scheduler`` and two ``dask worker`` processes; the Python API."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("distributed")

from vnrestore import restore  # noqa: E402
from vnrestore.batch import CleanOptions, Job, Task, clean_one, run_clean  # noqa: E402
from vnrestore.cli import app  # noqa: E402
from vnrestore.cluster import ClusterOptions, connect, execute, restore_partition  # noqa: E402
from vnrestore.errors import ClusterError, ExitCode  # noqa: E402
from vnrestore.files import TEMP_SUFFIX  # noqa: E402

SAMPLE = Path(__file__).parents[1] / "samples" / "thuong-xuan-2024.ocr.txt"
LINES = SAMPLE.read_text(encoding="utf-8").splitlines()


def _tree(root: Path, files: int = 6) -> Path:
    """Files of different lengths in two directories."""
    src = root / "in"
    (src / "sub").mkdir(parents=True)
    for i in range(files):
        folder = src if i % 2 else src / "sub"
        (folder / f"doc{i}.txt").write_text("\n".join(LINES[i * 7:i * 7 + 20 + i]) + "\n",
                                            encoding="utf-8")
    return src


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def _run(src: Path, out: Path, dask: ClusterOptions | None, report: Path | None = None,
         force: bool = False) -> ExitCode:
    opts = CleanOptions(paths=[src], out_dir=out, jobs=1, report=report, quiet=True,
                        force=force, dask=dask)
    return run_clean(Job(explain=report is not None), opts)


def test_local_cluster_matches_jobs_outputs_reports_skips_and_bad_files(tmp_path, capsys):
    src = _tree(tmp_path)
    (src / "bad.txt").write_bytes(b"abc\x00def\n")  # binary: reported, not written
    local = ClusterOptions("local", workers=2)
    assert _run(src, tmp_path / "jobs", None, tmp_path / "jobs.jsonl") == ExitCode.input_error
    capsys.readouterr()
    code = _run(src, tmp_path / "dask", local, tmp_path / "dask.jsonl")
    assert code == ExitCode.input_error
    assert "bad.txt: binary file" in capsys.readouterr().err
    assert _files(tmp_path / "dask") == _files(tmp_path / "jobs")
    assert "bad.txt" not in _files(tmp_path / "dask")
    # The report lists the same rows in the same (input) order.
    assert (tmp_path / "dask.jsonl").read_text() == (tmp_path / "jobs.jsonl").read_text()
    # Up-to-date outputs are skipped, as with --jobs; --force redoes them.
    (src / "bad.txt").unlink()
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "dask").rglob("*.txt")}
    assert _run(src, tmp_path / "dask", local) == ExitCode.ok
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "dask").rglob("*.txt")} == before


def _long_file(path: Path, lines: int = 4500) -> Path:
    """Many short lines: several of `clean`'s 2000-line chunks, few words to restore."""
    short = [" ".join(line.split()[:3]) for line in LINES if line.strip()]
    path.write_text("\n".join(short[i % len(short)] for i in range(lines)) + "\n",
                    encoding="utf-8")
    return path


def test_big_file_is_restored_in_parts_into_the_same_bytes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    big = _long_file(src / "big.txt")
    assert big.stat().st_size > 3 * 10_000
    assert _run(src, tmp_path / "jobs", None, tmp_path / "jobs.jsonl") == ExitCode.ok
    split = ClusterOptions("local", workers=2, split_bytes=10_000)
    assert _run(src, tmp_path / "dask", split, tmp_path / "dask.jsonl") == ExitCode.ok
    assert _files(tmp_path / "dask") == _files(tmp_path / "jobs")  # no side files left
    rows = [json.loads(r) for r in (tmp_path / "dask.jsonl").read_text().splitlines()]
    assert {r["line"] for r in rows if "line" in r} & set(range(2001, 4500))  # later parts
    assert (tmp_path / "dask.jsonl").read_text() == (tmp_path / "jobs.jsonl").read_text()


def test_a_worker_killed_mid_run_costs_no_output(tmp_path):
    src = _tree(tmp_path, files=24)
    assert _run(src, tmp_path / "jobs", None) == ExitCode.ok
    opts = CleanOptions(paths=[src], out_dir=tmp_path / "dask")
    from vnrestore.batch import plan_files

    tasks = plan_files(opts, ("*.txt",))
    job = Job(explain=False)
    local = ClusterOptions("local", workers=2)
    import functools

    with connect(local) as client:
        pids = list(client.run(os.getpid).values())
        outcomes = []
        for outcome in execute(client, functools.partial(clean_one, job, None, False), tasks,
                               local):
            if len(outcomes) == 0:
                os.kill(pids[0], signal.SIGKILL)  # the nanny starts a new worker
            outcomes.append(outcome)
        assert set(client.run(os.getpid).values()) != set(pids)  # it really died
    assert all(o.ok for o in outcomes) and len(outcomes) == len(tasks)
    assert _files(tmp_path / "dask") == _files(tmp_path / "jobs")
    assert not [p for p in (tmp_path / "dask").rglob("*") if p.name.endswith(TEMP_SUFFIX)]


def test_an_unreachable_scheduler_is_exit_6(tmp_path):
    src = _tree(tmp_path, files=1)
    gone = ClusterOptions("tcp://127.0.0.1:9", connect_timeout="1s")
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler") as info:
        _run(src, tmp_path / "out", gone)
    assert info.value.exit_code == ExitCode.cluster == 6
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [
    ["clean", "--dask", "local"],  # stdin: the texts would travel through the scheduler
    ["clean", str(SAMPLE), "--dask", "local"],  # stdout likewise
    ["clean", str(SAMPLE), "-o", "x.txt", "--dask", "head:8786"],  # no scheme
    ["ocr", str(SAMPLE), "--dask", "local"],
])
def test_dask_usage_errors(args):
    result = CliRunner().invoke(app, args, input="abc\n")
    assert result.exit_code == ExitCode.usage, result.output


def _dask_cli(*args: str) -> list[str]:
    exe = Path(sys.executable).with_name("dask")
    return [str(exe) if exe.exists() else shutil.which("dask") or "dask", *args]


def test_real_scheduler_and_two_workers(tmp_path):
    """`dask scheduler` and two `dask worker` processes on localhost, then the CLI."""
    src = _tree(tmp_path, files=8)
    assert _run(src, tmp_path / "jobs", None) == ExitCode.ok
    info = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [subprocess.Popen(_dask_cli("scheduler", "--host", "127.0.0.1", "--port", "0",
                                        "--no-dashboard", "--scheduler-file", str(info)),
                              **quiet)]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        procs += [subprocess.Popen(_dask_cli("worker", address, "--nthreads", "1",
                                             "--no-dashboard", "--name", f"w{i}"), **quiet)
                  for i in range(2)]
        done = subprocess.run([sys.executable, "-m", "vnrestore", "clean", str(src),
                               "--out-dir", str(tmp_path / "dask"), "--dask", address],
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        assert "8 files" in done.stderr
        assert _files(tmp_path / "dask") == _files(tmp_path / "jobs")
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_python_api_on_a_bag_and_files(tmp_path):
    import dask.bag as db

    texts = ["Pic 1ap - Tu do - Hanh phic", "Két luan s6 57-KL/TW ciia B Chinh trj"]
    restored = db.from_sequence(texts, npartitions=2).map_partitions(restore_partition)
    assert restored.compute(scheduler="processes") == [restore(t) for t in texts]

    from vnrestore.cluster import restore_files

    src = _tree(tmp_path, files=2)
    assert restore_files([src], tmp_path / "out", workers=1) == 0
    assert _files(tmp_path / "out") == {
        str(p.relative_to(src)): clean_one(Job(explain=False), None, False,
                                           Task(p, None)).text.encode()
        for p in sorted(src.rglob("*.txt"))}


def test_ocr_and_pdf_run_on_dask_as_with_jobs(tmp_path):
    """`ocr` (the fake engine, pickled to the workers) and `pdf` take --dask too."""
    from fake_engine import TEXT_KEY
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    src = tmp_path / "scans"
    src.mkdir()
    for i, line in enumerate(["Tang cuong cong tac quan ly nha nudc", LINES[3], LINES[5]]):
        meta = PngInfo()
        meta.add_text(TEXT_KEY, line)
        Image.new("L", (600, 200), 255).save(src / f"p{i}.png", pnginfo=meta)
    env = {"VNRESTORE_OCR_ENGINE": "fake_engine:FakeEngine"}
    runs = {}
    for name, extra in {"jobs": ["--jobs", "1"], "dask": ["--dask", "local", "--jobs", "2"]
                        }.items():
        out = tmp_path / f"ocr-{name}"
        r = CliRunner().invoke(app, ["ocr", str(src), "--out-dir", str(out), "--lang", "eng",
                                     "-q", *extra], env=env)
        assert r.exit_code == 0, r.output
        runs[name] = _files(out)
    assert runs["dask"] == runs["jobs"] and len(runs["jobs"]) == 3
    assert "Tăng cường công tác quản lý nhà nước" in runs["dask"]["p0.txt"].decode()

    pdf_samples = pytest.importorskip("pdf_samples")
    pytest.importorskip("pikepdf")
    pdf_samples.require("tesseract", "pdftoppm")
    tree = tmp_path / "pdfs"
    tree.mkdir()
    shutil.copy(pdf_samples.tesseract_pdf(), tree / "good.pdf")
    (tree / "broken.pdf").write_bytes(b"%PDF-1.7\ngarbage")
    texts = {}
    for name, extra in {"jobs": ["--jobs", "1"], "dask": ["--dask", "local", "--jobs", "2"]
                        }.items():
        out = tmp_path / f"pdf-{name}"
        r = CliRunner().invoke(app, ["pdf", str(tree), "--out-dir", str(out), *extra])
        assert r.exit_code == ExitCode.input_error and "broken.pdf" in r.stderr, r.output
        assert sorted(p.name for p in out.iterdir()) == ["good.pdf"]
        texts[name] = pdf_samples.pdftotext(out / "good.pdf")
    assert texts["dask"] == texts["jobs"] and "nhân dân" in texts["dask"]
