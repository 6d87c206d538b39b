"""Stage ``experiment``: a tiny experiment from its config entry, every output, reproducibly."""

from __future__ import annotations

import pytest

from corephase.config import ConfigError
from corephase.experiment.run import OUTPUTS, default_outputs
from corephase.stages.experiment import experiment

TINY = {
    "geometry": {
        "source": "theoretical",
        "ref_lat": 36.0,
        "ref_lon": 138.0,
        "extent_km": 120.0,
        "spacing_km": 20.0,
        "jitter_km": 2.0,
        "seed": 1,
    },
    "event": {"distance_deg": 40.0, "baz_deg": 200.0, "depth_km": 100.0},
    "targets": [{"phase": "PKiKP", "snr": 1.0}],
    "interferers": [{"phase": "PcP", "snr": 2.0, "coda_ratio": 0.5, "coda_decay_s": 30.0}],
    "layouts": {"kinds": ["ring", "cross"], "n_stations": [4], "apertures_km": [40.0]},
    "trials": 10,
    "metrics": {"pfa": 0.1, "fk": False},
}


def test_stage_writes_every_output_reproducibly(tmp_path):
    runs = {}
    for run in ("a", "b"):
        outputs = default_outputs(tmp_path / run)
        metrics = experiment("tiny", TINY, outputs, seed=3)
        assert (metrics["status"] == "ok").any()
        runs[run] = outputs
    for key, name in OUTPUTS.items():
        a, b = (tmp_path / run / name for run in ("a", "b"))
        assert a.is_file() and a.stat().st_size > 0, key
        if name.endswith(".csv"):
            assert a.read_bytes() == b.read_bytes(), key
    assert (tmp_path / "a" / OUTPUTS["fig_roc"]).read_bytes()[:4] == b"\x89PNG"


def test_stage_names_a_misspelled_key(tmp_path):
    bad = {**TINY, "layouts": {**TINY["layouts"], "kind": ["ring"]}}
    with pytest.raises(ConfigError, match=r"experiments\.tiny\.layouts\.kind': unknown key"):
        experiment("tiny", bad, default_outputs(tmp_path), seed=3)
