"""ShootingPhase shoots rays to ObsPy's last bit."""

import numpy as np
import pytest

from corephase.model import rayshoot
from corephase.model.rayshoot import ShootingPhase
from corephase.model.taupy import taup_classes
from corephase.model.traveltimes import _source_model, phase_pierces

PHASES = ("P", "pP", "sP", "PcP", "ScP", "PKiKP", "PKIKP", "PKIIKP", "PKJKP", "SKS", "sScS", "PP")


def _pairs(model: str, depth_km: float):
    """(ObsPy's SeismicPhase, ShootingPhase) of each shootable phase name."""
    classes = taup_classes()
    source = _source_model(model, depth_km)
    for name in PHASES:
        try:
            plain = classes.SeismicPhase(name, source, 0.0)
        except classes.TauModelError:
            continue
        if len(plain.ray_param) >= 2 and not plain.head_or_diffract_seq:
            yield plain, ShootingPhase(name, source, 0.0)


@pytest.mark.parametrize(
    ("model", "depth_km"), [("ak135", 0.0), ("ak135", 106.0), ("prem", 600.0)]
)
def test_shots_equal_obspys_to_the_last_bit(model, depth_km):
    """Time, distance, ray parameter and ray index of shots at random ray parameters, at
    the phase's sampled ones and at its ends (including the shared layers' second use)."""
    rng = np.random.default_rng(7)
    n = 0
    for plain, fast in _pairs(model, depth_km):
        lo, hi = plain.min_ray_param, plain.max_ray_param
        ps = np.concatenate([rng.uniform(lo, hi, 25), plain.ray_param[::7], [lo, hi]])
        for p in ps:
            a, b = plain.shoot_ray(40.0, p), fast.shoot_ray(40.0, p)
            for key in ("time", "purist_dist", "ray_param"):
                assert (
                    np.float64(getattr(a, key)).tobytes() == np.float64(getattr(b, key)).tobytes()
                ), (plain.name, p, key)
            assert a.ray_param_index == b.ray_param_index
            assert (a.name, a.source_depth) == (b.name, b.source_depth)
            n += 1
    assert n > 200


def test_out_of_range_ray_parameter_raises_obspys_error():
    from obspy.taup.helper_classes import SlownessModelError

    for plain, fast in _pairs("ak135", 0.0):
        for phase in (plain, fast):
            with pytest.raises(SlownessModelError, match="outside range"):
                phase.shoot_ray(30.0, plain.max_ray_param * 1.5)


def test_phase_class_only_with_the_tested_obspy(monkeypatch):
    """The installed ObsPy is the tested release (CI checks the fast path); any other
    release gets ObsPy's own SeismicPhase."""
    assert rayshoot.phase_class() is ShootingPhase
    monkeypatch.setattr(rayshoot.importlib.metadata, "version", lambda name: "1.6.0")
    rayshoot.phase_class.cache_clear()
    try:
        assert rayshoot.phase_class() is taup_classes().SeismicPhase
    finally:
        rayshoot.phase_class.cache_clear()


def test_pierce_points_equal_taupymodel():
    """Pierce points (refined by the shared shots) are TauPyModel's."""
    from obspy.taup import TauPyModel

    taup = TauPyModel("ak135")
    for phase, distance in (("PKiKP", 130.0), ("ScP", 35.0), ("pP", 60.0)):
        got = phase_pierces(106.0, distance, phase, "ak135")
        want = taup.get_pierce_points(106.0, distance, [phase])
        assert len(got) == len(want) > 0
        for a, b in zip(got, want, strict=True):
            assert a.time == b.time and a.ray_param == b.ray_param
            np.testing.assert_array_equal(a.pierce, b.pierce)
