"""End-to-end workflow tests: a small synthetic run, reruns, config errors, real YKA data."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from support.snakemake_run import run_snakemake as _run
from support.studies import ALEUTIANS, bcar, rings, small_study

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]

SMALL = small_study(
    {
        "YKA": {
            "source": "synthetic",
            "network": "CN",
            "channels": ["SHZ"],
            "ref_lat": 62.49308,
            "ref_lon": -114.6061,
            "elements": {"csv": "ims_array_elements.csv"},
        },
        "BCAR": bcar(rings(10, 4.0)),
    },
    [ALEUTIANS],
    stacks=("linear", "pws", "envelope"),
    bootstrap=20,
)


def run_snakemake(workdir: Path, *args: str, check: bool = True):
    """Run the workflow on ``workdir/config.yaml`` with 2 cores."""
    return _run(workdir, "--cores", "2", *args, check=check)


def scheduled(res: subprocess.CompletedProcess) -> list[tuple[str, str]]:
    """(rule, array) of every job in a dry run's output."""
    out = res.stdout + res.stderr
    jobs = []
    for block in re.split(r"\n\s*\n", out):
        m = re.search(r"rule (\w+):", block)
        if not m:
            continue
        w = re.search(r"wildcards: .*?array=([A-Za-z0-9_-]+)", block)
        jobs.append((m.group(1), w.group(1) if w else ""))
    return jobs


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    wd = tmp_path_factory.mktemp("wf")
    (wd / "config.yaml").write_text(yaml.safe_dump(SMALL))
    run_snakemake(wd)
    return wd


def test_small_run_makes_every_output(small_run):
    for arr in ("YKA", "BCAR"):
        d = small_run / "results" / arr / "20140623_Aleutians"
        for rel in (
            "raw/waveforms.mseed",
            "preprocessed/1-2Hz.npz",
            "preprocessed/qc.csv",
            "stack/detections.csv",
            "coda/coda.csv",
            "figures/1-2Hz_beams.png",
            "figures/1-2Hz_coda.png",
        ):
            assert (d / rel).stat().st_size > 0, rel
        assert (small_run / "logs" / "stack" / arr / "20140623_Aleutians.log").exists()
        assert (small_run / "benchmarks" / "stack" / arr / "20140623_Aleutians.tsv").exists()
    pairs = pd.read_csv(small_run / "results/summary/pairs.csv")
    assert sorted(pairs["array"]) == ["BCAR", "YKA"]
    assert (pairs["status"] == "ok").all() and pairs["synthetic"].all()
    det = pd.read_csv(small_run / "results/summary/detections.csv")
    assert set(det["phase"]) == {"PcP", "ScP", "PKiKP"}
    assert det["synthetic"].all()
    # PcP is strong in the demo synthetics: the YKA beams must see it (its noise window
    # moves off PP's depth phases into P's coda, so its linear SNR is modest)
    rows = det[(det.array == "YKA") & (det.phase == "PcP")].set_index("stack")
    assert rows.loc["pws", "call"] == "detected"
    assert rows.loc["linear", "snr"] > 2


#: Every figure type the workflow draws: per pair and band, and for the study
#: (the experiment's four figures are rendered by tests/experiment/test_experiment.py).
PAIR_FIGURES = ("beams", "vespagram", "fk", "coda", "coda_fit", "coda_vespagram")
SUMMARY_FIGURES = (
    "map_global",
    "map_regional",
    "detection_histogram",
    "pkikp_pcp",
    "pkikp_pcp_residual_map",
    "coda_clusters_1-2Hz",
    "coda_events_1-2Hz",
)


def test_small_run_draws_every_figure_type(small_run):
    """Each figure type is a readable PNG with something drawn on it."""
    from matplotlib.image import imread

    paths = [
        small_run / "results" / arr / "20140623_Aleutians" / "figures" / f"1-2Hz_{kind}.png"
        for arr in ("YKA", "BCAR")
        for kind in PAIR_FIGURES
    ]
    paths += [small_run / "results/summary/figures" / f"{n}.png" for n in SUMMARY_FIGURES]
    for path in paths:
        img = imread(path)
        assert img.shape[0] > 150 and img.shape[1] > 300, path.name
        assert img[..., :3].std() > 0.03, f"{path.name} is blank"


def test_pkikp_pcp_amplitude_ratio_recovered(small_run):
    """The synthetics put PKiKP at 0.1 x PcP (0.012 / 0.12 of P): the beams recover it."""
    det = pd.read_csv(small_run / "results/summary/detections.csv")
    yka = det[(det.array == "YKA") & (det["stack"] == "linear") & (det.band == "1-2Hz")]
    amp = yka.set_index("phase")["amplitude_pick"]
    ratio = amp["PKiKP"] / amp["PcP"]
    print(f"YKA synthetic PKiKP/PcP linear-beam amplitude ratio {ratio:.3f} (true 0.100)")
    assert 0.07 < ratio < 0.14
    cat = pd.read_csv(small_run / "results/summary/catalogue.csv")
    assert set(cat["amp_ratio_basis"].dropna()) <= {"pick_amplitude", "window_amplitude"}


def test_second_run_does_nothing(small_run):
    res = run_snakemake(small_run, "--dry-run")
    assert "Nothing to be done" in res.stdout + res.stderr


def test_changing_one_array_reruns_only_its_pairs(small_run, tmp_path):
    cfg = yaml.safe_load((small_run / "config.yaml").read_text())
    cfg["arrays"]["BCAR"]["synthetic"] = {"noise_level": 0.6}
    (small_run / "config.yaml").write_text(yaml.safe_dump(cfg))
    try:
        res = run_snakemake(small_run, "--dry-run")
        jobs = scheduled(res)
        per_pair = [(r, a) for r, a in jobs if a]
        assert per_pair, res.stdout
        assert {a for _, a in per_pair} == {"BCAR"}
        assert {r for r, _ in per_pair} == {"fetch", "preprocess", "stack", "coda", "figures"}
    finally:
        (small_run / "config.yaml").write_text(yaml.safe_dump(SMALL))


def test_dry_run_reason_names_the_changed_config_section(small_run):
    """Each config section is its own param: the reason shows only the section that changed."""
    cfg = yaml.safe_load((small_run / "config.yaml").read_text())
    cfg.setdefault("coda", {})["bootstrap"] = 7
    (small_run / "config.yaml").write_text(yaml.safe_dump(cfg))
    try:
        res = run_snakemake(small_run, "--dry-run")
        reasons = [
            line
            for line in (res.stdout + res.stderr).splitlines()
            if "Params have changed" in line
        ]
        assert reasons, res.stdout
        assert all("{'coda': {" in r for r in reasons), reasons
        assert not any("'stack'" in r or "'bands'" in r for r in reasons), reasons
        assert {r for r, _ in scheduled(res)} >= {"coda", "figures", "coda_compare"}
        assert "stack" not in {r for r, _ in scheduled(res)}
    finally:
        (small_run / "config.yaml").write_text(yaml.safe_dump(SMALL))


def test_bad_config_key_is_named(tmp_path):
    cfg = yaml.safe_load(yaml.safe_dump(SMALL))
    cfg["arrays"]["YKA"]["sorce"] = "synthetic"
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg))
    res = run_snakemake(tmp_path, "--dry-run", check=False)
    assert res.returncode != 0
    assert "config key 'arrays.YKA.sorce'" in res.stdout + res.stderr


def test_real_yka_record_through_local_source(yka_dir, tmp_path):
    """The real YKA record: ScP stands above the noise on its ak135-slowness beam."""
    cfg = {
        "phases": ["PcP", "ScP", "PKiKP"],
        "bands": [{"name": "1-2Hz", "fmin": 1.0, "fmax": 2.0}],
        "window": {
            "start_phase": "P",
            "start_offset_s": -200,
            "end_phase": "PKiKP",
            "end_offset_s": 200,
        },
        "stack": {"types": ["linear", "pws"]},
        "coda": {"bootstrap": 20},
        "arrays": {
            "YKA": {
                "source": "local",
                "path": str(yka_dir),
                "network": "CN",
                "station": "YK*",
                "channels": ["SHZ"],
                "ref_lat": 62.49308,
                "ref_lon": -114.6061,
            }
        },
        "events": {"quakeml": [str(yka_dir / "event.quakeml")]},
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg))
    run_snakemake(tmp_path)
    pairs = pd.read_csv(tmp_path / "results/summary/pairs.csv")
    assert pairs.loc[0, "status"] == "ok" and pairs.loc[0, "n_elements"] == 18
    assert not pairs.loc[0, "synthetic"]
    assert pairs.loc[0, "distance_deg"] == pytest.approx(51.4, abs=0.2)
    det = pd.read_csv(tmp_path / "results/summary/detections.csv")
    scp = det[(det.phase == "ScP") & (det["stack"] == "linear")].iloc[0]
    print(
        f"YKA real record, 1-2 Hz: ScP linear-beam SNR {scp['snr']:.1f} "
        f"[{scp['snr_lo']:.1f}, {scp['snr_hi']:.1f}], slowness {scp['slowness_obs_s_deg']:.2f} "
        f"s/deg (ak135 {scp['slowness_theory_s_deg']:.2f}), FK baz {scp['baz_obs_deg']:.1f} "
        f"(theory {scp['baz_theory_deg']:.1f})"
    )
    assert scp["snr"] > 4.0
    assert bool(scp["detected"])
    assert abs(scp["slowness_obs_s_deg"] - scp["slowness_theory_s_deg"]) < 0.5
    assert abs((scp["baz_obs_deg"] - scp["baz_theory_deg"] + 180) % 360 - 180) < 5.0


def test_html_report_renders_with_every_figure(small_run):
    """`snakemake --report` of the small run: every figure loads in headless Chromium."""
    from support.report_check import check_report_images, find_chromium

    if find_chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed in CI (scripts/install_system_deps.sh)")
        pytest.skip("chromium not installed")
    run_snakemake(small_run, "--report", "report.html")
    expect = [
        "map_global.png",
        "detection_histogram.png",
        "pkikp_pcp.png",
        "coda_clusters_1-2Hz.png",
        "1-2Hz_beams.png",
    ]
    results = check_report_images(small_run / "report.html", min_images=len(expect), expect=expect)
    assert all(r["naturalWidth"] > 0 for r in results)


def test_batch_plans_only_the_selected_arrays_and_years(small_run):
    """`--config batch=...` keeps the selected pairs and no summary products."""
    res = run_snakemake(
        small_run, "--dry-run", "--forceall", "--config", "batch={arrays: [BCAR], years: [2014]}"
    )
    jobs = scheduled(res)
    assert {a for _, a in jobs if a} == {"BCAR"}
    assert not {"tables", "catalogue", "global_figures"} & {r for r, _ in jobs}
    res = run_snakemake(
        small_run, "--dry-run", "--forceall", "--config", "batch={arrays: [BCAR], years: [2013]}"
    )
    assert not [a for _, a in scheduled(res) if a]
