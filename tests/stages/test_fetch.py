"""Stage fetch on a tiny synthetic configuration."""

from __future__ import annotations

import numpy as np
import pytest

from corephase.config.synthetic import SyntheticSettings
from corephase.io.files import read_json, read_stream
from corephase.io.stations import geometry_from_config
from corephase.model.traveltimes import record_window
from corephase.sources.synthetic import pair_seed, synthesize
from corephase.stages.common import pair_geometry_info
from corephase.stages.fetch import fetch_pair


def _fetch(config, event, tmp_path):
    out = [tmp_path / n for n in ("raw.mseed", "stations.xml", "event.quakeml", "status.json")]
    status = fetch_pair("TINY", config["arrays"]["TINY"], event, config, *out)
    return status, out


def test_fetch_writes_the_records_of_the_record_window(tiny_config, tiny_event, tmp_path):
    status, (mseed, sxml, qml, sjson) = _fetch(tiny_config, tiny_event, tmp_path)
    assert status["status"] == "ok" and status["synthetic"] and status["n_traces"] == 4
    assert read_json(sjson) == status
    assert sxml.stat().st_size > 0 and qml.stat().st_size > 0
    # the window is the one record window of the config, in s after the origin
    info = pair_geometry_info(tiny_config["arrays"]["TINY"], tiny_event, tiny_config)
    w0, w1 = record_window(info["arrivals"], tiny_config["window"])
    assert status["window_s_after_origin"] == [w0, w1]
    assert w0 == pytest.approx(info["arrivals"]["PcP"].time - 60)
    st = read_stream(mseed)
    assert len(st) == 4
    assert st[0].stats.starttime - tiny_event.origin == pytest.approx(w0, abs=0.05)
    assert st[0].stats.endtime - tiny_event.origin == pytest.approx(w1, abs=0.05)
    # the array's synthetic entry is merged over the global section key by key
    used = status["synthetic_info"]["settings"]
    assert used["coda"] == {"ratio": 0.1, "decay_s": 20.0, "coherence": 0.0}
    assert used["noise_level"] == 0.1 and set(used["amplitudes"]) == {"P", "PcP", "PKiKP"}


def test_fetch_equals_synthesize_called_directly(tiny_config, tiny_event, tmp_path):
    status, (mseed, *_) = _fetch(tiny_config, tiny_event, tmp_path)
    arr = tiny_config["arrays"]["TINY"]
    settings = SyntheticSettings.merged(tiny_config["synthetic"], arr["synthetic"])
    seed = pair_seed(tiny_config["seed"], "TINY", tiny_event.id)
    window = tuple(status["window_s_after_origin"])
    st, _ = synthesize(geometry_from_config("TINY", arr), tiny_event, window, settings, seed=seed)
    got = read_stream(mseed)
    assert [tr.id for tr in got] == [tr.id for tr in st]
    for a, b in zip(got, st, strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_unknown_synthetic_key_is_named(tiny_config, tiny_event, tmp_path):
    tiny_config["arrays"]["TINY"]["synthetic"] = {"noise_levle": 0.2}
    with pytest.raises(ValueError, match="noise_levle"):
        _fetch(tiny_config, tiny_event, tmp_path)
