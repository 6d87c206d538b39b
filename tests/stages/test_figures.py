"""Stage ``figures``: every per-pair figure, for a pair with data and one without."""

from __future__ import annotations

import pytest
from matplotlib.image import imread
from support.pairs import run_pair_stages

from corephase.io.files import read_json, write_json
from corephase.stages.figures import figures_pair

KINDS = ("beams", "vespagram", "fk", "coda", "coda_fit", "coda_vespagram")


@pytest.fixture
def config(tiny_config):
    """The tiny config with pre-P noise in the record (the coda needs it)."""
    tiny_config["window"].update(start_phase="P", start_offset_s=-100.0, end_offset_s=120.0)
    return tiny_config


def _outputs(d, band):
    return {f"{band}/{k}": d / "figures" / f"{band}_{k}.png" for k in KINDS}


def test_every_figure_of_a_pair_is_drawn(tmp_path, config, tiny_event):
    p = run_pair_stages(tmp_path / "pair", config, "TINY", tiny_event)
    out = _outputs(tmp_path, "1-2Hz")
    figures_pair(p["pair"], p["bands"], p["beams"], p["coda"], config, out)
    for path in out.values():
        img = imread(path)
        assert img.shape[0] > 100 and img.shape[1] > 100, path
        assert img.std() > 0, f"{path} is blank"


def test_a_pair_without_data_gets_figures_that_say_why(tmp_path, config, tiny_event):
    p = run_pair_stages(tmp_path / "pair", config, "TINY", tiny_event)
    pair = read_json(p["pair"])
    pair.update(status="no_data", reason="no matching records", geometry=None)
    write_json(pair, p["pair"])
    out = _outputs(tmp_path, "1-2Hz")
    figures_pair(p["pair"], p["bands"], p["beams"], p["coda"], config, out)
    assert all(path.stat().st_size > 0 for path in out.values())


def test_an_unmeasured_main_phase_coda_gets_a_figure_that_says_so(tmp_path, config, tiny_event):
    """The record ends before PKiKP's coda window: the other figures are still drawn."""
    config["window"]["end_offset_s"] = 40.0
    p = run_pair_stages(tmp_path / "pair", config, "TINY", tiny_event)
    out = _outputs(tmp_path, "1-2Hz")
    figures_pair(p["pair"], p["bands"], p["beams"], p["coda"], config, out)
    assert all(path.stat().st_size > 0 for path in out.values())
    assert imread(out["1-2Hz/coda"]).std() > 0
