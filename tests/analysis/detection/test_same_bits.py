"""The stack job's speed-ups keep every number to the last bit, on the real YKA record.

Each test compares a kernel with the formula it replaced (written out here as the
reference) with ``tobytes``: the detection tables must not change by a digit.
"""

from __future__ import annotations

import numpy as np
import pytest

from corephase.analysis.detection.measure import (
    characteristic,
    combine_stacks,
    element_terms,
)
from corephase.io.stations import geometry_from_inventory
from corephase.signal.alignment import TraceShifter, align, plane_wave_delays
from corephase.signal.fk import FKParams, _one_window, weighted_fk_power
from corephase.signal.stacking import StackParams, analytic_signal

STACKS = ("linear", "pws", "nthroot", "envelope")


@pytest.fixture(scope="module")
def yka(yka_dir):
    """The YKA array's noise (1-2 Hz, 10 Hz, 1500 s before the event), offsets in km."""
    import obspy

    st = obspy.read(str(yka_dir / "CN.YKA.SHZ.mseed"))
    inv = obspy.read_inventory(str(yka_dir / "CN.YKA.stationxml"))
    st.sort()
    t0 = max(tr.stats.starttime for tr in st)
    st.trim(t0, t0 + 1500)
    st.detrend("demean")
    st.filter("bandpass", freqmin=1.0, freqmax=2.0, corners=4, zerophase=True)
    st.decimate(2, no_filter=True)  # 20 Hz to 10 Hz, as a band file
    n = min(tr.stats.npts for tr in st)
    data = np.array([tr.data[:n] for tr in st], float)
    geom = geometry_from_inventory("YKA", inv, st, time=t0)
    return data, st[0].stats.delta, *geom.offsets_km()


def _weights(nel: int) -> np.ndarray:
    """The full array, its jackknife and a few bootstrap draws (counts up to 3 and more)."""
    rng = np.random.default_rng(7)
    boot = [np.bincount(rng.integers(0, nel, nel), minlength=nel) for _ in range(4)]
    return np.vstack([np.ones(nel), 1 - np.eye(nel), boot]).astype(float)


def _fk_reference(data, dt, x, y, window, fk, wts):
    """Bartlett power per selection as the loop over frequencies then selections did it."""
    g, spec, freqs = _one_window(data, dt, window, fk)
    spec, act = spec[0], wts > 0
    p = np.zeros((wts.shape[0], g.size, g.size))
    for k, f in enumerate(np.asarray(freqs, float)):
        w = 2j * np.pi * f
        a = spec[:, k, None] * np.exp(w * np.outer(x, g))
        b = np.exp(w * np.outer(y, g))
        for r in range(wts.shape[0]):
            m = (wts[r, act[r], None] * a[act[r]]).T @ b[act[r]]
            p[r] += m.real**2
            p[r] += m.imag**2
    return p


def test_weighted_fk_power_same_bits_as_frequency_loop(yka):
    data, dt, x, y = yka
    fk = FKParams(smax_s_km=0.12, step_s_km=0.004, fmin=1.0, fmax=2.0, taper=0.22)
    wts = _weights(data.shape[0])
    window = (4000, 4101)
    _, _, p, rel = weighted_fk_power(data, dt, x, y, window, fk, wts)
    want = _fk_reference(data, dt, x, y, window, fk, wts)
    assert p.tobytes() == want.tobytes()
    assert np.isfinite(rel).all()


def _terms_reference(u, params):
    a = analytic_signal(u, axis=-1)
    mag = np.abs(a)
    unit = a * np.reciprocal(mag, out=np.zeros_like(mag), where=mag > 0)
    return unit, mag, np.sign(u) * np.abs(u) ** (1.0 / params.n)


@pytest.mark.parametrize("n", [4.0, 2.0, 1.0, 3.0])
def test_element_terms_and_stacks_same_bits_as_formulas(yka, n):
    data, dt = yka[:2]
    params = StackParams(nu=2.0, gate_s=0.0 if n != 3.0 else 1.0, n=n, smooth_s=0.5)
    u = data.copy()
    u[:, :50] = 0.0  # exact zeros: unit phasor 0, signed powers of +-0
    u[0, 50:60] = -0.0
    t = element_terms(u, STACKS, params)
    unit, mag, root = _terms_reference(u, params)
    for got, want in [(t.unit, unit), (t.mag, mag), (t.root, root)]:
        assert got.tobytes() == want.tobytes()
    w = _weights(u.shape[0])
    w /= w.sum(axis=1, keepdims=True)
    lin, um, rm, mm = w @ t.u, (w @ t.unit.view(np.float64)).view(complex), w @ root, w @ mag
    beams, coh = combine_stacks(lin, um, rm, mm, STACKS, params, dt)
    ref_um = (w @ unit.view(np.float64)).view(complex)
    assert um.tobytes() == ref_um.tobytes()
    assert beams["pws"].tobytes() == (lin * coh**params.nu).tobytes()
    assert beams["nthroot"].tobytes() == (np.sign(rm) * np.abs(rm) ** params.n).tobytes()


def test_characteristic_rows_same_bits_as_single_beam(yka):
    """The sliding null reuses row 0 of the selections' characteristic functions."""
    data = yka[0]
    beams = {"linear": _weights(data.shape[0])[:5] @ data}
    cfs = characteristic(beams)
    for r in range(5):
        one = characteristic({"linear": beams["linear"][r]})["linear"]
        assert one.tobytes() == cfs["linear"][r].tobytes()


def test_shared_shifter_same_bits_as_align(yka):
    data, dt, x, y = yka
    shifter = TraceShifter(data, dt)
    for s_km, baz in [(0.02, 30.0), (0.08, 200.0), (0.0, 0.0), (0.05, 91.0)]:
        delays = plane_wave_delays(x, y, s_km, baz)
        got = align(data, delays, dt, shifter=shifter)
        assert got.tobytes() == align(data, delays, dt).tobytes()
    with pytest.raises(ValueError, match="other traces"):
        align(data[:3], delays[:3], dt, shifter=shifter)
