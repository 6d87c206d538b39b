"""Run the project's workflow in a test folder, as a user would (``python -m snakemake``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_snakemake(
    workdir: Path,
    *args: str,
    check: bool = True,
    env: dict | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    """Run the Snakefile on ``workdir/config.yaml`` (which replaces the demo config).

    Raises AssertionError with the tail of the output when ``check`` and the
    run fails, or when it does not finish within ``timeout`` seconds.
    """
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(workdir / "config.yaml"),
        *args,
    ]
    env = {**(env or os.environ), "MPLBACKEND": "Agg"}
    try:
        res = subprocess.run(
            cmd, capture_output=True, text=True, env=env, cwd=workdir, timeout=timeout
        )
    except subprocess.TimeoutExpired as err:
        raise AssertionError(
            f"snakemake did not finish in {timeout} s: {cmd}\n{(err.stderr or b'')[-4000:]!r}"
        ) from None
    if check and res.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{res.stdout[-4000:]}\n{res.stderr[-8000:]}")
    return res
