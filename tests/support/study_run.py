"""Run ``corephase run-study`` of this checkout in a test folder, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from corephase.io.files import read_json

ROOT = Path(__file__).resolve().parents[2]


def study_command(workdir: Path, *options: str, study_args=()) -> list[str]:
    """``corephase run-study workdir/config.yaml STUDY_ARGS -- OPTIONS`` (this Snakefile)."""
    return [
        sys.executable,
        "-m",
        "corephase.cli",
        "run-study",
        str(workdir / "config.yaml"),
        *study_args,
        "--",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        *options,
    ]


def study_env(env: dict | None = None) -> dict:
    """Environment of a run-study process: this checkout's package, no plot windows."""
    env = dict(env or os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env["MPLBACKEND"] = "Agg"
    return env


def run_study(
    workdir: Path, *options: str, study_args=(), env=None, timeout: float = 900
) -> subprocess.CompletedProcess:
    """Run the study of ``workdir/config.yaml``; AssertionError with the output if it fails."""
    cmd = study_command(workdir, *options, study_args=study_args)
    res = subprocess.run(
        cmd, cwd=workdir, env=study_env(env), capture_output=True, text=True, timeout=timeout
    )
    if res.returncode != 0:
        raise AssertionError(f"run-study failed:\n{res.stdout[-3000:]}\n{res.stderr[-6000:]}")
    return res


def study_state(workdir: Path) -> dict:
    """The study's state file (see corephase.study.state), or no batches before it exists."""
    path = workdir / "results" / "study" / "state.json"
    return read_json(path) if path.exists() else {"batches": {}}
