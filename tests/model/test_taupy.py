"""TauP without obspy.taup's __init__ gives TauPyModel's travel times to the last bit."""

import math
import subprocess
import sys

import numpy as np
import pytest
import scipy.optimize
from obspy.taup import TauPyModel

from corephase.model import taupy
from corephase.model.traveltimes import phase_rows, tau_model

PHASES = ("P", "Pdiff", "PcP", "ScP", "PKiKP", "PKIIKP", "PKJKP", "PKP", "PKIKP", "SKS")
DEPTH_PHASES = ("pP", "sP", "pPKiKP", "sPKiKP", "sScS", "pPP")


def _taup_rows(model, depth_km, distance_deg, phase):
    arrivals = TauPyModel(model).get_travel_times(
        source_depth_in_km=depth_km, distance_in_degree=distance_deg, phase_list=[phase]
    )
    return tuple(
        (a.name, float(a.time), float(a.ray_param_sec_degree), float(a.incident_angle))
        for a in arrivals
    )


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter (obspy.taup not yet imported); its stdout."""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_phase_rows_equal_taupymodel_on_the_light_path():
    """In a fresh process (the light path: pytest has imported obspy.taup here), phases
    shared between distances (one SeismicPhase per model, depth and name) give the numbers
    of TauPyModel calls made afterwards, including several arrivals, no ray, a name TauP
    cannot build at that depth and a phase-list keyword."""
    code = (
        "import itertools, sys\n"
        "from corephase.model import taupy\n"
        "from corephase.model.traveltimes import phase_rows\n"
        f"phases = {PHASES + DEPTH_PHASES + ('PvmP', 'ttbasic')}\n"
        "cases = list(itertools.product(('ak135', 'prem'), (0.0, 106.0, 700.0),\n"
        "                               (12.3, 95.5, 140.0), phases))\n"
        "got = [phase_rows(d, x, p, m) for m, d, x, p in cases]\n"
        "assert taupy.taup_classes().light\n"
        "for name in ('matplotlib', 'scipy.optimize', 'scipy.linalg', 'obspy.taup'):\n"
        "    assert name not in sys.modules, name\n"
        "from obspy.taup import TauPyModel\n"
        "models = {m: TauPyModel(m) for m in ('ak135', 'prem')}\n"
        "for (m, d, x, p), rows in zip(cases, got, strict=True):\n"
        "    arrivals = models[m].get_travel_times(d, x, [p])\n"
        "    want = tuple((a.name, float(a.time), float(a.ray_param_sec_degree),\n"
        "                  float(a.incident_angle)) for a in arrivals)\n"
        "    assert rows == want, (m, d, x, p, rows, want)\n"
        "print(len(cases), sum(map(bool, got)))\n"
    )
    # TauPTime prints the phase it cannot build; the counts are the last line
    n_cases, n_with_rows = map(int, _run(code).splitlines()[-1].split())
    assert n_cases == 2 * 3 * 3 * 18 and 0.3 * n_cases < n_with_rows < n_cases


def test_phase_rows_equal_taupymodel():
    """The same in this process (classes from the imported obspy.taup)."""
    model = "iasp91"
    for depth_km, distance in [(0.0, 95.5), (33.0, 61.2)]:
        for phase in PHASES + DEPTH_PHASES:
            assert phase_rows(depth_km, distance, phase, model) == _taup_rows(
                model, depth_km, distance, phase
            ), (model, depth_km, distance, phase)


def test_negative_depth_is_a_surface_source():
    assert phase_rows(-3.0, 50.0, "P", "ak135") == _taup_rows("ak135", 0.0, 50.0, "P")


def test_tau_model_is_the_taupymodel_model():
    a, b = tau_model("prem"), TauPyModel("prem").model
    assert type(a) is type(b)
    assert a.radius_of_planet == b.radius_of_planet and a.cmb_depth == b.cmb_depth
    np.testing.assert_array_equal(a.s_mod.v_mod.layers, b.s_mod.v_mod.layers)
    with pytest.raises(ValueError, match="not one of"):
        tau_model("jb")


def test_package_defaults_are_obspys():
    import obspy.taup

    assert taupy.taup_classes().defaults == obspy.taup._DEFAULT_VALUES
    assert taupy._package_classes().defaults is obspy.taup._DEFAULT_VALUES


def test_brentq_equals_scipy():
    from scipy.optimize import _zeros

    for f, a, b, kw in [
        (math.cos, 0.0, 3.0, {}),
        (lambda x: x**3 - 2 * x - 5, 2.0, 3.0, {"xtol": 1e-1, "maxiter": 5, "disp": False}),
        (lambda x, c: math.exp(x) - c, -1.0, 4.0, {"args": (7.0,)}),
    ]:
        assert taupy.brentq(_zeros._brentq, f, a, b, **kw) == scipy.optimize.brentq(f, a, b, **kw)
    with pytest.raises(ValueError, match="NaN"):
        taupy.brentq(_zeros._brentq, lambda x: math.nan, 0.0, 1.0)
    with pytest.raises(ValueError, match="xtol"):
        taupy.brentq(_zeros._brentq, math.cos, 0.0, 3.0, xtol=0.0)
    with pytest.raises(ValueError, match="full_output"):
        taupy.brentq(_zeros._brentq, math.cos, 0.0, 3.0, full_output=True)


def test_later_obspy_taup_import_works_and_reuses_the_modules():
    """After the light load, ``import obspy.taup`` runs normally and reuses the modules
    (with SciPy's own Brent kernel); a later ``import scipy.optimize`` works too."""
    code = (
        "from corephase.model.traveltimes import phase_rows, taup_model\n"
        "rows = phase_rows(600.0, 140.0, 'PKiKP', 'ak135')\n"
        "from obspy.taup import TauPyModel\n"
        "from obspy.taup.seismic_phase import SeismicPhase, brentq\n"
        "from corephase.model.taupy import taup_classes\n"
        "assert SeismicPhase is taup_classes().SeismicPhase\n"
        "import scipy.optimize\n"
        "assert scipy.optimize.brentq(lambda x: x - 1.0, 0.0, 2.0) == 1.0\n"
        "got = taup_model('ak135').get_travel_times(600.0, 140.0, ['PKiKP'])[0]\n"
        "assert rows[0][1:3] == (got.time, got.ray_param_sec_degree), (rows, got)\n"
    )
    _run(code)


def test_source_model_is_shared_between_phases():
    """One depth-corrected model per model and depth (TauPTime deep-copies it per call)."""
    from corephase.model.traveltimes import _seismic_phases

    (p,) = _seismic_phases("ak135", 50.0, "P")
    (pcp,) = _seismic_phases("ak135", 50.0, "PcP")
    assert p.tau_model is pcp.tau_model and p.tau_model.source_depth == 50.0
    assert _seismic_phases("ak135", 50.0, "P") == (p,)
    assert _seismic_phases("ak135", 700.0, "PvmP") == ()  # TauP cannot build it there
