"""What the per-pair jobs import: nothing their code path does not use (issue 20)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _loaded(code: str, names) -> list[str]:
    """The modules of ``names`` in ``sys.modules`` after running ``code`` in a fresh
    interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {list(names)!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.split()


@pytest.mark.parametrize("stage", ["fetch", "preprocess", "stack", "coda", "figures"])
def test_per_pair_stage_modules_load_no_yaml_nor_synthetic_sources(stage):
    """Settings classes need only ConfigError: PyYAML, jsonschema and the synthetic-record
    module (once there for ``pair_seed``) stay unloaded until a job uses them."""
    names = ("yaml", "jsonschema", "corephase.sources.synthetic")
    assert _loaded(f"import corephase.stages.{stage}", names) == []


def test_events_from_pair_json_need_no_obspy():
    """An Event read back from pair.json, its id and its ISO time load no ObsPy; its
    ``origin`` does, and equals ``obspy.UTCDateTime`` of the time."""
    code = (
        "from corephase.model.events import Event\n"
        "e = Event('ev1', '2014-06-23T20:53:09.730000Z', 51.8, 178.7, 109.0)\n"
        "e.to_dict(), e.id, e.time"
    )
    assert _loaded(code, ("obspy",)) == []
    from obspy import UTCDateTime

    from corephase.model.events import event_from_dict

    e = event_from_dict(
        {"time": "2014-06-23T20:53:09.73", "latitude": 51.8, "longitude": 178.7, "depth_km": 109}
    )
    assert (e.id, e.time) == ("20140623T205309", "2014-06-23T20:53:09.730000Z")
    assert isinstance(e.origin, UTCDateTime) and e.origin == UTCDateTime(e.time)


def test_fetch_travel_times_load_neither_matplotlib_nor_scipy_optimize():
    """TauP travel times through ``model.taupy``: if ObsPy's or SciPy's layout changed
    and the plain ``import obspy.taup`` fallback were taken, the numbers would stay right
    but every fetch job would pay for pyplot and scipy.optimize again; this says so."""
    code = (
        "import corephase.stages.fetch\n"
        "from corephase.model.taupy import taup_classes\n"
        "from corephase.model.traveltimes import phase_rows\n"
        "phase_rows(100.0, 40.0, 'PKiKP', 'ak135')\n"
        "assert taup_classes().light"
    )
    names = ("matplotlib", "obspy.taup.tau", "scipy.optimize._optimize", "scipy.fft")
    assert _loaded(code, names) == []


def test_stack_job_loads_no_scipy_package():
    """The stack stage and its null's gamma function (``null.scipy_gamma``) load no
    SciPy package and no pandas or matplotlib."""
    code = (
        "import corephase.stages.stack\n"
        "from corephase.analysis.detection.null import scipy_gamma\n"
        "assert scipy_gamma()(5.0) == 24.0"
    )
    names = ("scipy.fft", "scipy.special._basic", "scipy.linalg._basic", "pandas", "matplotlib")
    assert _loaded(code, names) == []


def test_jobs_that_read_band_files_load_no_obspy(tmp_path):
    """The stack, coda and figures stages of a pair read its band files
    (:func:`corephase.io.bands.read_band`) and never import ObsPy's package: its
    ``__init__`` (Stream, Inventory, Catalog) costs every such job about 0.15 s. The
    geodetic functions come from ``obspy.geodetics.base`` alone
    (:func:`corephase.model.traveltimes.geodetics`)."""
    import json

    from support.pairs import run_pair_stages
    from support.tiny import tiny_config, tiny_event

    config = tiny_config()
    config["window"].update(start_phase="P", start_offset_s=-100.0, end_offset_s=120.0)
    p = run_pair_stages(tmp_path / "pair", config, "TINY", tiny_event(config))
    (tmp_path / "config.json").write_text(json.dumps(config))
    kinds = ("beams", "vespagram", "fk", "coda", "coda_fit", "coda_vespagram")
    out = {f"1-2Hz/{k}": str(tmp_path / f"{k}.png") for k in kinds}
    bands, coda = {"1-2Hz": str(p["bands"]["1-2Hz"])}, {"1-2Hz": str(tmp_path / "c.npz")}
    code = (
        "import json\n"
        "from corephase.stages.coda import coda_pair\n"
        "from corephase.stages.figures import figures_pair\n"
        "from corephase.stages.stack import stack_pair\n"
        f"config = json.loads(open({str(tmp_path / 'config.json')!r}).read())\n"
        f"pair, d = {str(p['pair'])!r}, {str(tmp_path)!r}\n"
        f"stack_pair(pair, {bands!r}, config, d + '/t.csv', d + '/b.npz', d + '/s.csv')\n"
        f"coda_pair(pair, {bands!r}, config, d + '/c.csv', {coda!r})\n"
        f"assert figures_pair(pair, {bands!r}, d + '/b.npz', {coda!r}, config, {out!r})\n"
    )
    names = ("obspy", "obspy.core.stream", "obspy.core.utcdatetime", "obspy.io.mseed")
    assert _loaded(code, names) == []


def test_geodetics_without_obspy_package_then_obspy_as_usual():
    """``traveltimes.geodetics`` loads ObsPy's geodetic functions without ObsPy's package;
    a later ``import obspy`` runs as usual and holds the same functions, and the
    numbers are those of the plain import."""
    code = (
        "import sys\n"
        "from corephase.model.traveltimes import distance_backazimuth, geodetics\n"
        "a = distance_backazimuth(49.8, 145.06, 62.49, -114.61)\n"
        "assert 'obspy' not in sys.modules\n"
        "import obspy\n"
        "from obspy.geodetics import gps2dist_azimuth, locations2degrees\n"
        "assert gps2dist_azimuth is geodetics().gps2dist_azimuth and len(obspy.read()) == 3\n"
        "d = locations2degrees(49.8, 145.06, 62.49, -114.61)\n"
        "assert a == (d, gps2dist_azimuth(49.8, 145.06, 62.49, -114.61)[2],"
        " gps2dist_azimuth(49.8, 145.06, 62.49, -114.61)[1])\n"
    )
    assert _loaded(code, ("obspy.core.stream",)) == ["obspy.core.stream"]
