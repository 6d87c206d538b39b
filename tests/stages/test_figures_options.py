"""Stage ``figures`` options: which pairs are drawn, amplitude scales, missing phases."""

from __future__ import annotations

import pytest
from matplotlib.image import imread
from support.pairs import run_pair_stages

from corephase.config import ConfigError, validate_config
from corephase.config.figures import FiguresSettings
from corephase.stages.figures import KINDS, detected_phases, figures_pair, skip_reason


@pytest.fixture
def config(tiny_config):
    tiny_config["window"].update(start_phase="P", start_offset_s=-100.0, end_offset_s=120.0)
    # an array that resolves slowness at 1-2 Hz (the 3 km tiny array is 'unconstrained')
    tiny_config["arrays"]["TINY"]["elements"]["layout"].update(n=8, aperture_km=25.0)
    return tiny_config


@pytest.fixture
def pair(tmp_path, config, tiny_event):
    return run_pair_stages(tmp_path / "pair", config, "TINY", tiny_event)


def _outputs(d, band="1-2Hz"):
    return {f"{band}/{k}": d / f"{band}_{k}.png" for k in KINDS}


def test_the_schema_default_draws_every_pair(config):
    assert config["figures"] == {"pairs": "all", "detection_phases": [], "scale": "noise"}
    assert validate_config({**config, "figures": {"pairs": "detections"}})
    with pytest.raises(ConfigError):
        validate_config({**config, "figures": {"pairs": "some"}})


def test_skip_reason_by_setting(pair):
    det = pair["detections"]
    assert "PKiKP" in detected_phases(det)
    assert skip_reason(FiguresSettings(), ["PKiKP"], det) is None
    assert "none" in skip_reason(FiguresSettings(pairs="none"), ["PKiKP"], det)
    on = FiguresSettings(pairs="detections")
    assert skip_reason(on, ["PcP", "PKiKP"], det) is None
    assert "no detection of PKJKP" in skip_reason(on.replace(detection_phases=("PKJKP",)), [], det)


@pytest.mark.parametrize("setting", ["none", "detections"])
def test_skipped_pairs_get_every_declared_output(tmp_path, config, pair, setting):
    """Every output exists (one line saying why), so rule all and reruns stay consistent."""
    config["figures"] = {"pairs": setting, "detection_phases": ["PKJKP"], "scale": "noise"}
    out = _outputs(tmp_path)
    drawn = figures_pair(pair["pair"], pair["bands"], pair["beams"], pair["coda"], config, out,
                         pair["detections"])  # fmt: skip
    assert drawn is False
    sizes = {p.stat().st_size for p in out.values()}
    assert len(sizes) == 1 and sizes.pop() > 0
    assert imread(out["1-2Hz/beams"]).shape[0] < 250  # a one-line figure


def test_panel_scale_and_a_phase_without_arrival(tmp_path, config, pair):
    """PKJKP has no ak135 arrival at 63 deg: the figures are drawn and list it."""
    from corephase.plotting.pair import missing_note
    from corephase.stages.common import load_pair

    config["phases"] = ["PcP", "PKiKP", "PKJKP"]
    config["figures"]["scale"] = "panel"
    out = _outputs(tmp_path)
    assert figures_pair(pair["pair"], pair["bands"], pair["beams"], pair["coda"], config, out)
    for p in out.values():
        assert imread(p).std() > 0
    arrivals = load_pair(pair["pair"])[3]
    assert missing_note(config["phases"], arrivals) == "no ak135 arrival at this distance: PKJKP"


def test_an_unknown_scale_is_refused(tmp_path, config, pair):
    import numpy as np

    from corephase.io.bands import read_band
    from corephase.plotting.pair import plot_pair_band
    from corephase.stages.common import load_pair

    p, _, _, arrivals = load_pair(pair["pair"])
    record = read_band(pair["bands"]["1-2Hz"])
    with pytest.raises(ValueError, match="scale"):
        plot_pair_band(p, arrivals, record, np.load(pair["beams"]), config["bands"][0], config,
                       tmp_path / "x.png", scale="loud")  # fmt: skip
