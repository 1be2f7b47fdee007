"""A sweep killed with SIGKILL at any point and resumed ends as an uninterrupted one does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from sweep_cases import stored

from sim.experiments import sweep
from sim.loading.scenarios import load_scenario

# Long enough runs (two years of weeks) that the sweep is still going when it is killed.
SCENARIO = """\
name = "resume"
year = 2020
steps = 104
seed = 3
replicates = 20

[[events]]
step = 0
kind = "offensive"
attacker = "Azerbaijan"
defender = "Armenia"
theatre = "karabakh"

[sweep.grid]
"model.tullock_r" = [1.0, 2.0, 3.0]
"""
CHUNKS = 60  # 3 points x 20 replicates, one run per chunk


def tables(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return stored(folder, "runs"), stored(folder, "steps")


def chunk_files(out: Path) -> int:
    return len(list((out / "runs").glob("chunk-*.parquet"))) if (out / "runs").is_dir() else 0


def kill_after(args: list[str], out: Path, chunks: int, timeout: float = 60) -> None:
    """Start ``alliance-sim sweep`` and SIGKILL it (and its workers) once ``chunks`` are stored."""
    command = [sys.executable, "-m", "sim", "sweep", *args, "--no-report", "--chunk-size", "1"]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + timeout
    try:
        while chunk_files(out) < chunks:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the sweep stored too few chunks in time"
            time.sleep(0.005)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the sweep's own process group, nothing else
        process.wait()
        process.stderr.close()


def test_a_sweep_killed_twice_and_resumed_equals_an_uninterrupted_one(tmp_path: Path) -> None:
    path = tmp_path / "resume.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "killed"
    kill_after([str(path), "--out", str(out), "--workers", "1"], out, chunks=4)
    first = chunk_files(out)
    assert 4 <= first < CHUNKS, "killed too late to test anything"
    kill_after([str(path), "--out", str(out), "--resume", "--workers", "2"], out, chunks=first + 6)
    second = chunk_files(out)
    assert first < second < CHUNKS, "killed too late to test anything"

    loaded = load_scenario(path)
    report = sweep.run_sweep(loaded, out, resume=True, workers=1)
    assert report.runs_done == CHUNKS and report.runs_run <= CHUNKS - second + 2
    sweep.run_sweep(loaded, tmp_path / "whole", workers=1, chunk_size=7)
    killed, whole = tables(out), tables(tmp_path / "whole")
    pd.testing.assert_frame_equal(killed[0], whole[0])
    pd.testing.assert_frame_equal(killed[1], whole[1])
    assert json.loads((out / "manifest.json").read_text())["chunks_done"] == [[0, CHUNKS - 1]]
    assert not [p for p in out.rglob(".*")], "temporary files left behind"


def test_resume_reruns_a_chunk_stored_but_not_yet_listed_and_drops_temporaries(
    tmp_path: Path,
) -> None:
    # The window between writing a chunk's files and listing it in the manifest, and a kill
    # in the middle of writing a file: both must be repaired by resuming.
    path = tmp_path / "resume.toml"
    path.write_text(
        SCENARIO.replace("steps = 104", "steps = 4").replace("replicates = 20", "replicates = 2")
    )
    loaded = load_scenario(path)
    out = tmp_path / "out"
    sweep.run_sweep(loaded, out, workers=1, chunk_size=2)
    expected = tables(out)
    info = json.loads((out / "manifest.json").read_text())
    info["chunks_done"] = [[0, 0], [2, 2]]
    (out / "manifest.json").write_text(json.dumps(info))
    (out / "steps" / "chunk-000001.parquet").unlink()
    (out / "runs" / ".chunk-000001.parquet.123.tmp").write_bytes(b"half a file")
    (out / ".manifest.json.123.tmp").write_text("{")
    report = sweep.run_sweep(loaded, out, resume=True, workers=1)
    assert report.runs_run == 2
    pd.testing.assert_frame_equal(tables(out)[0], expected[0])
    pd.testing.assert_frame_equal(tables(out)[1], expected[1])
    assert not list(out.rglob(".*"))


def children(pid: int) -> list[int]:
    """Child process ids of ``pid``, from /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:  # the task ended meanwhile
            continue
    return found


def test_a_killed_worker_process_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "resume.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--workers", "2", "--chunk-size", "1", "--no-report"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while chunk_files(out) < 3:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.005)
        # The pool's workers are the grandchildren (the forkserver sits between).
        workers = [w for c in children(process.pid) for w in children(c)]
        assert workers, "no worker process found"
        os.kill(workers[0], signal.SIGKILL)
        killed_at = chunk_files(out)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert killed_at < CHUNKS, "the worker was killed after the sweep ended"
    assert process.returncode == 0, stderr.decode()
    assert f"{CHUNKS}/{CHUNKS} runs" in stdout.decode()
    sweep.run_sweep(load_scenario(path), tmp_path / "whole", workers=1, chunk_size=30)
    pd.testing.assert_frame_equal(tables(out)[0], tables(tmp_path / "whole")[0])
