"""FK power and sliding FK (signal.fk) against ObsPy's array_processing and known plane waves."""

from __future__ import annotations

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime
from obspy.core.util import AttribDict
from obspy.signal.array_analysis import array_processing
from support.planewaves import DT, plane_wave_data

from corephase.signal.fk import FKParams, fk_peak, fk_power, sliding_fk
from corephase.signal.vespagram import SlownessScan, vespagram


def test_sliding_fk_equals_obspy_every_window(geom):
    x, y = geom
    n = int(90 / DT)
    waves = [(0.08, 40.0, 10.0), (0.15, 200.0, 30.0), (0.05, 300.0, 50.0), (0.2, 120.0, 70.0)]
    data = plane_wave_data(x, y, waves, n)
    t0 = UTCDateTime(2020, 1, 1)
    st = Stream()
    for i in range(x.size):
        tr = Trace(data[i].copy(), header={"sampling_rate": 1 / DT, "starttime": t0})
        tr.stats.station = f"S{i:02d}"
        tr.stats.coordinates = AttribDict(x=x[i], y=y[i], elevation=0.0)
        st.append(tr)
    smax, step = 0.3, 0.015
    ref = array_processing(
        st, 5.0, 0.5, -smax, smax, -smax, smax, step, -1e9, -1e9, 1.0, 2.0,
        t0, t0 + (n - 1) * DT, 0, coordsys="xy", timestamp="julsec", method=0,
    )  # fmt: skip
    # ObsPy's last window ends at etime = last sample time: exclusive end n - 1
    r = sliding_fk(data, DT, x, y, 5.0, 0.5, FKParams(smax, step, 1.0, 2.0), t1_idx=n - 1)
    assert r.baz_deg.size == ref.shape[0]
    np.testing.assert_allclose(r.t_start_s, ref[:, 0] - t0.timestamp, atol=1e-6)
    np.testing.assert_allclose(r.slowness_s_km, ref[:, 4], atol=1e-7)  # ObsPy clips 0 to 1e-8
    dbaz = (r.baz_deg - ref[:, 3] + 180) % 360 - 180
    assert np.all(np.abs(dbaz[ref[:, 4] > 1e-6]) < 1e-6)
    np.testing.assert_allclose(r.relpow, ref[:, 1], rtol=1e-5)
    np.testing.assert_allclose(r.abspow, ref[:, 2], rtol=1e-5)


@pytest.mark.parametrize(("s", "baz"), [(0.071, 33.0), (0.123, 251.0), (0.04, 305.7)])
def test_fk_recovers_plane_wave_to_grid_step(geom, s, baz):
    x, y = geom
    n = int(40 / DT)
    data = plane_wave_data(x, y, [(s, baz, 20.0)], n, noise=0.1, seed=int(baz))
    step = 0.005
    window, fk = (int(15 / DT), int(25 / DT)), FKParams(0.3, step, 1, 2)
    sx, sy, pabs, prel = fk_power(data, DT, x, y, window, fk)
    s_obs, _, px, py = fk_peak(sx, sy, prel)
    true_sx, true_sy = -s * np.sin(np.radians(baz)), -s * np.cos(np.radians(baz))
    assert abs(px - true_sx) <= step and abs(py - true_sy) <= step
    assert abs(s_obs - s) <= step * np.sqrt(2)
    assert 0.5 < prel.max() <= 1.0
    assert np.argmax(pabs) == np.argmax(prel)
    # Capon finds the same maximum to the grid step
    _, _, _, pc = fk_power(data, DT, x, y, window, fk, "capon")
    _, _, cx, cy = fk_peak(sx, sy, pc)
    assert abs(cx - true_sx) <= step and abs(cy - true_sy) <= step


def test_bad_input_errors(geom):
    x, y = geom
    data = np.zeros((x.size, 200))
    with pytest.raises(ValueError, match="offsets"):
        vespagram(data, DT, x[:-1], y[:-1], SlownessScan([0.1], 0.0))
    with pytest.raises(ValueError, match="unknown stack"):
        vespagram(data, DT, x, y, SlownessScan([0.1], 0.0), stack="median")
    with pytest.raises(ValueError, match="outside"):
        fk_power(data, DT, x, y, (150, 250), FKParams(0.3, 0.01, 1, 2))
    with pytest.raises(ValueError, match="no frequency bin"):
        fk_power(data, DT, x, y, (0, 20), FKParams(0.3, 0.01, 2.0, 1.0))
    bad = data.copy()
    bad[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        sliding_fk(bad, DT, x, y, 2.0, 0.5, FKParams(0.3, 0.01, 1, 2))


@pytest.mark.parametrize(
    "win_len_s,t0_idx,t1_idx",
    [
        (20.0, 0, None),  # window longer than the 200 samples (10 s) of data
        (2.0, 190, None),  # window from sample 190 runs past the end
        (2.0, 0, 30),  # window past t1_idx
        (20.0, -5, None),  # negative start and too long
    ],
)
def test_sliding_fk_rejects_windows_that_do_not_fit(geom, win_len_s, t0_idx, t1_idx):
    """The window-length check must fire (it never did: ``not a and b`` precedence)."""
    x, y = geom
    data = np.random.default_rng(0).standard_normal((x.size, 200))
    with pytest.raises(ValueError, match="no complete"):
        sliding_fk(data, DT, x, y, win_len_s, 0.5, FKParams(0.3, 0.01, 1, 2), t0_idx, t1_idx)
