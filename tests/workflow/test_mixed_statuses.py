"""Summaries of a study where most pairs have no usable data (issue 14, item 1).

One ok pair (synthetic BCAR; its detections plan a synthetic TA dense pair)
beside one pair of each other status: ``no_data`` (a ``local`` folder without
records), ``too_few_elements`` (a synthetic array of two elements, below
``preprocess.min_elements``) and ``error`` (a ``local`` folder holding a
corrupt miniSEED file, and an ``fdsn`` array whose data centre refuses the
connection). Every summary must be made without
``--keep-going`` and list the other pairs with their status and reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from support.snakemake_run import run_snakemake
from support.studies import ALEUTIANS, bcar, rings, small_study

EVENT = ALEUTIANS

SUMMARIES = (
    "results/summary/pairs.csv",
    "results/summary/detections.csv",
    "results/summary/coda.csv",
    "results/summary/catalogue.csv",
    "results/summary/catalogue.parquet",
    "results/summary/coda_clusters.csv",
    "results/summary/figures/map_global.png",
    "results/summary/figures/detection_histogram.png",
    "results/summary/figures/pkikp_pcp.png",
    "results/summary/figures/coda_clusters_1-2Hz.png",
    "results/summary/figures/coda_events_1-2Hz.png",
    "results/dense/plan.csv",
    "results/dense/summary.csv",
)

EXPECTED = {
    "BCAR": "ok",
    "EMPTY": "no_data",
    "PAIR2": "too_few_elements",
    "DOWN": "error",
    "BROKEN": "error",
}


def mixed_config(empty_dir, broken_dir) -> dict:
    """A one-band study with one pair per status (all offline)."""
    arrays = {
        # 25 km: resolves slowness at 1-2 Hz (a 4 km array is 'unconstrained')
        "BCAR": bcar(rings(6, 25.0)),
        "EMPTY": {
            "source": "local",
            "path": str(empty_dir),
            "network": "CN",
            "station": "YK*",
            "channels": ["SHZ"],
            "ref_lat": 62.49308,
            "ref_lon": -114.6061,
        },
        "BROKEN": {
            "source": "local",
            "path": str(broken_dir),
            "network": "CN",
            "station": "YK*",
            "channels": ["SHZ"],
            "ref_lat": 62.49308,
            "ref_lon": -114.6061,
        },
        "PAIR2": {
            "source": "synthetic",
            "network": "XX",
            "ref_lat": 60.0,
            "ref_lon": -130.0,
            "elements": {
                "list": [
                    {"station": "PA1", "latitude": 60.0, "longitude": -130.0},
                    {"station": "PA2", "latitude": 60.01, "longitude": -130.02},
                ]
            },
        },
        "DOWN": {
            "source": "fdsn",
            "network": "IM",
            "station": "IL0?",
            "channels": ["SHZ"],
            "data_centre": "http://127.0.0.1:9",
            "ref_lat": 64.77145,
            "ref_lon": -146.88645,
        },
    }
    dense = {
        "TA": {
            "source": "synthetic",
            "network": "TA",
            "channels": ["BHZ"],
            "stations": "package:TA_stations.csv",
            # across ScP's end near 63 deg: ScP rows say why, the pair stays ok
            "min_distance_deg": 55,
            "max_distance_deg": 66,
            "max_stations": 10,
        },
    }
    return small_study(
        arrays,
        [EVENT],
        stacks=("linear", "envelope"),
        maps={"regions": ["global"]},
        dense_networks=dense,
        fetch={"timeout_s": 2, "retries": 0, "backoff_s": 0.1},
    )


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    wd = tmp_path_factory.mktemp("mixed")
    empty = wd / "empty_array"
    empty.mkdir()
    broken = wd / "broken_array"
    broken.mkdir()
    (broken / "records.mseed").write_bytes(np.random.default_rng(1).bytes(20000))
    (wd / "config.yaml").write_text(yaml.safe_dump(mixed_config(empty, broken)))
    run_snakemake(wd, "--cores", "2")  # stage 1 and the dense plan
    run_snakemake(wd, "--cores", "2")  # the dense pairs of the plan and their summary
    return wd


def test_every_summary_is_made_without_keep_going(mixed_run):
    for rel in SUMMARIES:
        assert (mixed_run / rel).stat().st_size > 0, rel


def test_pairs_table_lists_every_status_with_a_reason(mixed_run):
    pairs = pd.read_csv(mixed_run / "results/summary/pairs.csv").set_index("array")
    assert pairs["status"].to_dict() == {**EXPECTED, "TA": "ok"}
    assert "records.mseed" in pairs.loc["BROKEN", "reason"]
    assert pairs.loc["EMPTY", "reason"].startswith("no miniSEED files")
    for arr in ("EMPTY", "PAIR2", "DOWN", "BROKEN"):
        assert isinstance(pairs.loc[arr, "reason"], str) and pairs.loc[arr, "reason"], arr


def test_detections_come_from_the_ok_pair_only(mixed_run):
    det = pd.read_csv(mixed_run / "results/summary/detections.csv")
    beams = det[det["phase"].notna()] if "phase" in det else det.iloc[0:0]
    assert set(beams["array"]) == {"BCAR", "TA"}
    assert set(beams["phase"]) == {"PcP", "ScP", "PKiKP"}


def test_catalogue_holds_the_ok_pair_and_lists_the_others(mixed_run):
    cat = pd.read_csv(mixed_run / "results/summary/catalogue.csv")
    status = cat.groupby("array")["status"].first().to_dict()
    assert status == {**EXPECTED, "TA": "ok"}
    assert set(cat.loc[cat["phase"].notna(), "array"]) == {"BCAR", "TA"}


def test_dense_stage_runs_on_the_detections_of_the_ok_pair(mixed_run):
    plan = pd.read_csv(mixed_run / "results/dense/plan.csv")
    assert set(plan["network"]) == {"TA"} and set(plan["arrays"]) == {"BCAR"}
    summary = pd.read_csv(mixed_run / "results/dense/summary.csv")
    assert set(summary["status"]) == {"ok"}
    det = pd.read_csv(mixed_run / "results/summary/detections.csv")
    scp = det[(det["array"] == "TA") & (det["phase"] == "ScP")]
    assert scp["reason"].str.startswith("no alignment: phase ScP has no ak135 arrival").all()


def test_report_is_made(mixed_run):
    run_snakemake(mixed_run, "--report", "report.html")
    assert (mixed_run / "report.html").stat().st_size > 0


def test_fetch_status_says_which_phases_set_the_window(mixed_run):
    import json

    status = json.loads((mixed_run / "results/BCAR/20140623_Aleutians/raw/fetch.json").read_text())
    assert status["window_phases"] == {"start": "P", "end": "PKiKP"}
