"""The workflow through profiles/slurm on a real single-node SLURM cluster.

Starts a private SLURM (munge, MariaDB + slurmdbd accounting, slurmctld, slurmd; see
tests/support/slurm_cluster.py), runs a tiny synthetic configuration once locally and once with
``--workflow-profile profiles/slurm``, and requires identical summary tables, SLURM jobs
that completed in the accounting database, and the per-pair rules of one array batched
into one SLURM job. The same study also runs as ``corephase run-study --max-pairs 1`` (one
batch per event year) through the profile, stopped after its first batch and started
again, and must make the same tables.

Needs root and the Debian packages of scripts/install_slurm.sh (which the fixture runs
when they are missing and apt-get is there). Skips with the reason otherwise; in CI
(``CI=true``) it fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from support.slurm_cluster import SlurmCluster, missing_programs
from support.snakemake_run import run_snakemake
from support.studies import ALEUTIANS, OKHOTSK, bcar, rings, small_study
from support.study_run import run_study, study_state

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "profiles" / "slurm"
IN_CI = os.environ.get("CI") == "true"
RUN_TIMEOUT_S = 900

pytestmark = pytest.mark.slow

#: Two pairs of one array (BCAR, 10-element layout): both go into one SLURM job.
CONFIG = small_study({"BCAR": bcar(rings(10, 4.0))}, [ALEUTIANS, OKHOTSK])
TABLES = ("pairs.csv", "detections.csv", "coda.csv")
#: What both runs make: the per-pair chains (up to their figures) and the summary tables.
TARGETS = [
    *(f"results/BCAR/{e['id']}/figures/1-2Hz_beams.png" for e in CONFIG["events"]["list"]),
    *(f"results/summary/{t}" for t in TABLES),
]


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"SLURM test cannot run in CI: {reason}")
    pytest.skip(reason)


def _ensure_slurm_installed() -> None:
    if not missing_programs():
        return
    if os.geteuid() != 0:
        _unavailable(
            f"SLURM not installed ({', '.join(missing_programs())} missing) and "
            "not root: run scripts/install_slurm.sh as root"
        )
    if shutil.which("apt-get") is None:
        _unavailable("SLURM not installed and no apt-get (Debian/Ubuntu needed)")
    try:
        res = subprocess.run(
            ["bash", str(ROOT / "scripts" / "install_slurm.sh")],
            capture_output=True,
            text=True,
            timeout=900,
        )
    except subprocess.TimeoutExpired:
        _unavailable("scripts/install_slurm.sh timed out after 900 s")
    if res.returncode != 0 or missing_programs():
        _unavailable(
            f"scripts/install_slurm.sh failed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
        )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.geteuid() != 0:
        _unavailable("the test cluster's daemons (slurmd, munged) need root")
    _ensure_slurm_installed()
    mem_total = int(open("/proc/meminfo").read().split()[1]) // 1024
    if mem_total < 7000:
        _unavailable(f"{mem_total} MB of memory; the profile's batch jobs ask for 5000 MB")
    # 4 CPUs (SLURM may over-commit a smaller machine): the profile's batches use up to 4.
    c = SlurmCluster(tmp_path_factory.mktemp("slurm"), cpus=4, memory_mb=8000)
    c.start()
    try:
        yield c
    finally:
        c.stop()


def _snakemake(workdir: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    return run_snakemake(workdir, *args, env=env, timeout=RUN_TIMEOUT_S)


#: Snakemake options of the runs through the profile: poll sacct often (jobs take seconds).
SLURM_OPTIONS = (
    "--workflow-profile",
    str(PROFILE),
    "--slurm-init-seconds-before-status-checks",
    "5",
    "--max-status-checks-per-second",
    "1",
)


@pytest.fixture(scope="module")
def runs(cluster, tmp_path_factory):
    local = tmp_path_factory.mktemp("local")
    slurm = tmp_path_factory.mktemp("slurm_run")
    for wd in (local, slurm):
        (wd / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    _snakemake(local, "--cores", "2", *TARGETS)
    res = _snakemake(slurm, *SLURM_OPTIONS, *TARGETS, env=cluster.env)
    return local, slurm, res


@pytest.fixture(scope="module")
def study(cluster, tmp_path_factory):
    """run-study in 2 batches through the profile: stopped after the first, then resumed."""
    wd = tmp_path_factory.mktemp("slurm_study")
    (wd / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    args = ("--max-pairs", "1")
    kw = {"env": cluster.env, "timeout": RUN_TIMEOUT_S}
    first = run_study(wd, *SLURM_OPTIONS, study_args=(*args, "--max-batches", "1"), **kw)
    state = study_state(wd)
    second = run_study(wd, *SLURM_OPTIONS, study_args=args, **kw)
    return wd, first, state, second


def test_study_in_batches_resumes_and_matches_the_local_run(runs, study):
    local = runs[0]
    wd, first, stopped, second = study
    assert "stopped after 1 batch" in first.stderr
    assert sorted(r.get("status", "") for r in stopped["batches"].values()) == ["", "done"]
    assert "summaries" not in stopped
    assert "2 pairs in 2 batches of at most 1 pair (1 already done)" in second.stderr
    for out in (first, second):
        assert "has been submitted with SLURM jobid" in out.stderr
    final = study_state(wd)
    assert {r["status"] for r in final["batches"].values()} == {"done"}
    assert final["summaries"]["status"] == "done"
    for name in TABLES:
        a = pd.read_csv(local / "results" / "summary" / name)
        b = pd.read_csv(wd / "results" / "summary" / name)
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)


def test_slurm_tables_equal_local_tables(runs):
    local, slurm, _ = runs
    for name in TABLES:
        a = pd.read_csv(local / "results" / "summary" / name)
        b = pd.read_csv(slurm / "results" / "summary" / name)
        assert len(a) > 0, name
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
    pairs = pd.read_csv(slurm / "results" / "summary" / "pairs.csv")
    assert sorted(pairs["event"]) == ["20120814_Okhotsk", "20140623_Aleutians"]
    for ev in pairs["event"]:
        fig = slurm / "results" / "BCAR" / ev / "figures" / "1-2Hz_beams.png"
        assert fig.stat().st_size > 0


def test_jobs_ran_in_slurm_and_completed_in_accounting(runs, cluster):
    _, slurm, res = runs
    # the run's jobs are named by its run id; sacct (slurmdbd) must list them all
    out = cluster.run(
        "sacct",
        "-X",
        "--parsable2",
        "--noheader",
        "--allusers",
        "--clusters",
        "all",
        "--starttime",
        "now-1day",
        "--format=JobIdRaw,JobName,State,WorkDir",
    ).stdout
    rows = [r.split("|") for r in out.strip().splitlines()]
    mine = [r for r in rows if r[3].rstrip("/") == str(slurm)]
    assert mine, f"no SLURM job of the workflow in sacct:\n{out}"
    assert {r[2] for r in mine} == {"COMPLETED"}, out
    log = res.stdout + res.stderr
    assert "has been submitted with SLURM jobid" in log


def test_pairs_of_one_array_share_one_slurm_job(runs):
    """Every per-pair rule of BCAR's two pairs runs in one SLURM group job.

    BCAR is synthetic, so its fetch runs on the compute node inside the group;
    only FDSN downloads (rule fetch_fdsn) stay on the submitting host.
    """
    _, _, res = runs
    log = res.stdout + res.stderr
    submitted = [ln for ln in log.splitlines() if "has been submitted with SLURM jobid" in ln]
    groups = [ln for ln in submitted if "/group_pairs_BCAR_" in ln]
    assert len(groups) == 1, submitted
    # the group holds every per-pair rule, and no per-pair rule ran alone
    name = groups[0].split("/group_pairs_BCAR_")[1].split("/")[0]
    assert sorted(name.split("_")) == ["coda", "fetch", "figures", "preprocess", "stack"]
    for rule in ("fetch", "preprocess", "stack", "coda", "figures"):
        assert not [ln for ln in submitted if f"/rule_{rule}/" in ln], submitted
    assert "localrule fetch:" not in log
