"""``corephase run-study`` on the real workflow: batches, a kill, the resume, the summaries.

A synthetic study of 3 pairs (BCAR in 2012 and 2014, ILAR in 2012) runs once with plain
``snakemake --cores 2`` and once as ``run-study --max-pairs 1`` (3 batches). The study
is killed (SIGTERM) while its second batch runs, started again, and must then make the
same summary tables as the plain run; a third start has nothing to do.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from support.snakemake_run import run_snakemake
from support.studies import ALEUTIANS, OKHOTSK, bcar, ilar, rings, small_study
from support.study_run import run_study, study_command, study_env, study_state

TIMEOUT_S = 900

pytestmark = pytest.mark.slow

LAYOUT = rings(6, 3.0)
#: 3 pairs of 2 arrays in 2 years (the Aleutians event is for BCAR only).
CONFIG = small_study(
    {"BCAR": bcar(LAYOUT), "ILAR": ilar(LAYOUT)}, [{**ALEUTIANS, "arrays": ["BCAR"]}, OKHOTSK]
)
#: Summary tables both runs make.
TABLES = ("pairs.csv", "detections.csv", "coda.csv", "catalogue.csv", "coda_clusters.csv")


def kill_after_first_batch(cmd: list[str], workdir: Path, env: dict) -> int:
    """Start ``cmd``, SIGTERM it once a batch is done and the next one runs; its status."""
    proc = subprocess.Popen(
        cmd, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline and proc.poll() is None:
        status = [r.get("status") for r in study_state(workdir)["batches"].values()]
        if "done" in status and "running" in status:
            break
        time.sleep(0.5)
    assert proc.poll() is None, "run-study ended before its second batch"
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=300)


def assert_same_tables(plain: Path, study: Path) -> None:
    for name in TABLES:
        a = pd.read_csv(plain / "results" / "summary" / name)
        b = pd.read_csv(study / "results" / "summary" / name)
        assert len(a) > 0, name
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
    pairs = pd.read_csv(study / "results" / "summary" / "pairs.csv")
    assert sorted(zip(pairs["array"], pairs["event"], strict=True)) == [
        ("BCAR", "20120814_Okhotsk"),
        ("BCAR", "20140623_Aleutians"),
        ("ILAR", "20120814_Okhotsk"),
    ]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    plain = tmp_path_factory.mktemp("plain")
    study = tmp_path_factory.mktemp("study")
    for wd in (plain, study):
        (wd / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    run_snakemake(plain, "--cores", "2", timeout=TIMEOUT_S)
    args = ("--max-pairs", "1")
    cmd = study_command(study, "--cores", "2", study_args=args)
    killed = kill_after_first_batch(cmd, study, study_env())
    after_kill = study_state(study)
    resumed = run_study(study, "--cores", "2", study_args=args, timeout=TIMEOUT_S)
    again = run_study(study, "--cores", "2", study_args=args, timeout=TIMEOUT_S)
    return plain, study, killed, after_kill, resumed, again


def test_killed_study_records_the_interrupted_batch(runs):
    _, study, killed, after_kill, _, _ = runs
    assert killed == 130
    status = {k: r.get("status", "") for k, r in after_kill["batches"].items()}
    assert sorted(status.values()) == ["", "done", "interrupted"], status
    assert "summaries" not in after_kill
    assert not (study / ".snakemake" / "locks").exists() or not any(
        (study / ".snakemake" / "locks").iterdir()
    )


def test_resumed_study_matches_the_plain_run(runs):
    plain, study, _, _, resumed, _ = runs
    assert "3 pairs in 3 batches of at most 1 pair (1 already done)" in resumed.stderr
    assert_same_tables(plain, study)
    final = study_state(study)
    assert {r["status"] for r in final["batches"].values()} == {"done"}
    assert final["summaries"]["status"] == "done"
    # each batch planned only its own pairs
    log = (study / "results" / "study" / "logs" / "BCAR_2012.log").read_text()
    assert "event=20120814_Okhotsk" in log
    assert "ILAR" not in log and "20140623_Aleutians" not in log


def test_a_finished_study_runs_nothing_again(runs):
    *_, again = runs
    assert "(3 already done)" in again.stderr
    assert "study: batch" not in again.stderr
    assert "Nothing to be done" in again.stderr
