"""Stages over all pairs: tables, catalogue, coda_compare and global_figures."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from matplotlib.image import imread
from support.pairs import run_pair_stages

from corephase.model.events import event_from_dict
from corephase.stages.catalogue import global_catalogue
from corephase.stages.coda_compare import coda_comparisons
from corephase.stages.global_figures import global_figures
from corephase.stages.maps import maps
from corephase.stages.tables import summarise


@pytest.fixture(scope="module")
def three_pairs(tmp_path_factory):
    """TINY records two nearby events (one cluster), TINY2 the first of them."""
    from corephase.config import validate_config

    d = tmp_path_factory.mktemp("pairs")
    ev1 = {"id": "ev1", "time": "2012-08-14T02:59:38", "latitude": 49.8, "longitude": 145.06,
           "depth_km": 583.0, "magnitude": 7.7}  # fmt: skip
    ev2 = {**ev1, "id": "ev2", "time": "2012-08-20T10:00:00", "latitude": 49.9}
    tiny = {"source": "synthetic", "network": "XX", "ref_lat": 62.49, "ref_lon": -114.61,
            "elements": {"layout": {"kind": "cross", "n": 4, "aperture_km": 3.0}}}  # fmt: skip
    config = validate_config(
        {
            "phases": ["PcP", "PKiKP"],
            "bands": [{"name": "1-2Hz", "fmin": 1.0, "fmax": 2.0}],
            "window": {
                "start_phase": "P",
                "start_offset_s": -100,
                "end_phase": "PKiKP",
                "end_offset_s": 120,
            },
            "coda": {"bootstrap": 4},
            "synthetic": {"amplitudes": {"P": 1.0, "PcP": 0.2, "PKiKP": 0.05}},
            "arrays": {"TINY": tiny, "TINY2": {**copy.deepcopy(tiny), "ref_lat": 64.0}},
            "events": {"list": [ev1, ev2]},
        }
    )
    runs = {}
    for arr, ev in (("TINY", ev1), ("TINY", ev2), ("TINY2", ev1)):
        runs[(arr, ev["id"])] = run_pair_stages(
            d / arr / ev["id"], config, arr, event_from_dict(ev)
        )
    return config, runs, d


def test_tables_and_catalogue_hold_every_pair(three_pairs, tmp_path):
    config, runs, _ = three_pairs
    pairs = [r["pair"] for r in runs.values()]
    dets = [r["detections"] for r in runs.values()]
    out = [tmp_path / f"{k}.csv" for k in ("pairs", "detections", "coda")]
    summarise(pairs, dets, [r["coda_table"] for r in runs.values()], *out)
    assert len(pd.read_csv(out[0])) == 3
    assert set(pd.read_csv(out[2])["phase"]) >= {"PcP", "PKiKP"}
    cat = global_catalogue(pairs, dets, config["model"], tmp_path / "c.csv", tmp_path / "c.pq")
    assert set(zip(cat["array"], cat["event"], strict=True)) == set(runs)
    figs = {k: tmp_path / f"{k}.png" for k in ("histogram", "pkikp_pcp")}
    global_figures(tmp_path / "c.csv", config["model"], figs, config["distance_deg"])
    views = {f"map_{r}": tmp_path / f"map_{r}.png" for r in config["maps"]["regions"]}
    maps(tmp_path / "c.csv", config["arrays"], config["model"], views, config["maps"])
    for path in [*figs.values(), *views.values()]:
        assert imread(path).std() > 0, path
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(
        p.name for p in [*figs.values(), *views.values()]
    )


# A panel whose records all lack the phase's beam says so instead of an empty legend.
@pytest.mark.filterwarnings("error::UserWarning")
def test_coda_comparisons_cluster_nearby_events_and_overlay_arrays(three_pairs, tmp_path):
    config, runs, _ = three_pairs
    npz = {(a, e, "1-2Hz"): r["coda"]["1-2Hz"] for (a, e), r in runs.items()}
    figs = {"1-2Hz/clusters": tmp_path / "cl.png", "1-2Hz/events": tmp_path / "ev.png"}
    coda_comparisons([r["pair"] for r in runs.values()], npz, config, tmp_path / "t.csv", figs)
    table = pd.read_csv(tmp_path / "t.csv")
    tiny = table[table["array"] == "TINY"]
    assert tiny["cluster"].nunique() == 1 and len(tiny) == 2
    assert len(table) == 3
    for path in figs.values():
        assert imread(path).std() > 0


def test_summary_jobs_import_only_what_they_use():
    """In a fresh process, the summary jobs' code (catalogue, bounce points, predicted
    ratios, figures and maps) runs without the detection package (its vespagram),
    obspy.taup's package (matplotlib.pyplot) or, for coda_compare, pandas."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import corephase.stages.coda_compare, corephase.analysis.clustering\n"
        "import corephase.analysis.coda, corephase.plotting.coda\n"
        "assert 'pandas' not in sys.modules\n"
        "import corephase.stages.catalogue, corephase.stages.maps\n"
        "import corephase.stages.global_figures, corephase.analysis.catalogue\n"
        "import corephase.plotting.catalogue, corephase.plotting.maps\n"
        "from corephase.model.bounce import bounce_point\n"
        "from corephase.theory.ratios import predict_ratio\n"
        "bounce_point(51.95, 178.58, 100.0, 62.493, -114.605, 'PKiKP')\n"
        "predict_ratio([30.0, 40.0], 100.0, 1.5)\n"
        "for name in ('corephase.analysis.detection', 'corephase.signal.vespagram',\n"
        "             'obspy.taup', 'matplotlib.pyplot'):\n"
        "    assert name not in sys.modules, name\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
