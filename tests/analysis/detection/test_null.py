"""The two nulls of the false-alarm calibration: shuffled draws and sliding windows."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

from corephase.analysis.detection import detect_phase
from corephase.analysis.detection.interference import quiet_interval
from corephase.analysis.detection.null import (
    MIN_SLIDES,
    SLIDE_STEP_S,
    CombinedTail,
    NullTail,
    empirical_tail,
)
from corephase.config.stack import StackSettings
from corephase.model.arrivals import Arrival
from corephase.model.events import Event
from corephase.model.geometry import ArrayGeometry, local_km_to_latlon, parametric_layout
from corephase.model.traveltimes import PhaseArrival
from corephase.sources.noise import peterson_noise

EV = Event("ev", "2014-06-23T20:53:09", 51.95, 178.58, 106.0)
DT = 0.05
BURSTS = (300.0, 450.0, 600.0, 750.0, 900.0, 1050.0)


def _record_with_bursts(seconds=1300.0):
    """18 elements (20 km) of 1-2 Hz Peterson noise plus a burst that reaches every
    element at once (the same 1.5 Hz wavelet, 2 x the single-trace RMS) at each of
    :data:`BURSTS` s: the real transients the shuffled draws destroy."""
    e, n = parametric_layout("rings", 18, 20.0)
    lat, lon = local_km_to_latlon(e, n, 62.5, -114.6)
    geom = ArrayGeometry("T", [f"XX.T{i:03d}..SHZ" for i in range(18)], lat, lon)
    data = peterson_noise(18, int(seconds / DT), DT, 0.5, np.random.default_rng(3)) * 1e9
    sos = butter(4, [1.0, 2.0], "band", fs=1 / DT, output="sos")
    data = sosfiltfilt(sos, data, axis=-1)
    t = np.arange(data.shape[1]) * DT
    w = sum(np.exp(-(((t - b) / 0.8) ** 2)) * np.cos(2 * np.pi * 1.5 * (t - b)) for b in BURSTS)
    return geom, data + 2.0 * np.sqrt(np.mean(data**2)) * w


def _detect(geom, data, t_phase, sliding, quiet):
    s = StackSettings()
    s = s.replace(detection=s.detection.replace(resampling="none", sliding_null=sliding))
    arr = PhaseArrival("X", t_phase, 1.5, 10.0)
    det = detect_phase(data, DT, 0.0, geom, EV, "X", arr, "b", s, band_hz=(1.0, 2.0),
                       rng=np.random.default_rng(7), quiet_s=quiet)  # fmt: skip
    return det.table.set_index("stack")


def test_sliding_null_keeps_transients_the_shuffled_draws_destroy():
    """A pseudo-phase on one burst: the shuffled null alone calls its envelope and linear
    SNRs significant; with the sliding null (which sees the five other bursts in the
    record's noise) the thresholds rise above them. Without bursts in the noise the
    sliding null changes the thresholds little."""
    geom, data = _record_with_bursts()
    quiet = (5.0, 1295.0)
    shuffled = _detect(geom, data, 750.0, False, quiet)
    both = _detect(geom, data, 750.0, True, quiet)
    for kind in ("linear", "envelope"):
        assert shuffled.loc[kind, "snr"] >= shuffled.loc[kind, "snr_threshold"], kind
        assert both.loc[kind, "snr"] < both.loc[kind, "snr_threshold"], kind
        assert both.loc[kind, "fa_prob"] > 0.01 > shuffled.loc[kind, "fa_prob"], kind
    assert (both["snr_threshold"] >= shuffled["snr_threshold"]).all()
    # the same record with the bursts only after the quiet stretch: no burst in the null
    calm = _detect(geom, data, 200.0, True, (5.0, 290.0))
    ref = _detect(geom, data, 200.0, False, (5.0, 290.0))
    ratio = calm["snr_threshold"] / ref["snr_threshold"]
    assert (ratio >= 1.0).all() and (ratio < 1.5).all(), ratio.to_dict()


def test_too_little_noise_leaves_the_shuffled_null_alone():
    geom, data = _record_with_bursts(400.0)
    short = (5.0, 5.0 + 50.0 + SLIDE_STEP_S * (MIN_SLIDES - 2))
    a = _detect(geom, data, 200.0, True, short)
    b = _detect(geom, data, 200.0, False, None)
    assert np.allclose(a["snr_threshold"], b["snr_threshold"])


def test_combined_tail_is_the_larger_of_its_tails():
    lo, hi = NullTail(0.0, 3.0, 0.5, 300), NullTail(0.1, 4.0, 0.8, 200)
    both = CombinedTail((lo, hi))
    assert both.draws == 500
    assert both.threshold(0.01) == max(lo.threshold(0.01), hi.threshold(0.01))
    for snr in (2.0, 5.0, 9.0):
        assert both.fa_prob(snr) == max(lo.fa_prob(snr), hi.fa_prob(snr))


def test_quiet_interval_ends_before_the_first_arrival_and_skips_the_taper():
    arr = [Arrival("P", 500.0, 8.0, 10.0, primary="P"), Arrival("PcP", 540.0, 3.0, 10.0)]
    assert quiet_interval(arr, 100.0, 2000.0, 95.0) == pytest.approx((195.0, 480.0))
    assert quiet_interval(arr, 400.0, 2000.0, 95.0) is None


def test_empirical_tail_is_an_exact_monte_carlo_test():
    """With the measured SNR exchangeable with the 300 draws (here: 301 draws of one
    heavy-tailed law, the first taken as the measurement), ``snr >= threshold(0.01)``
    happens in 3/301 = 0.997 % of trials, and ``fa_prob <= 0.01`` in the same trials."""
    rng = np.random.default_rng(11)
    x = np.exp(rng.standard_normal((20000, 301)))  # lognormal: heavier-tailed than PWS SNRs
    hits = fa_hits = 0
    for row in x:
        tail = empirical_tail(row[1:])
        hit = row[0] >= tail.threshold(0.01)
        hits += hit
        fa_hits += tail.fa_prob(row[0]) <= 0.01
        assert hit == (tail.fa_prob(row[0]) <= 0.01)
    assert hits == fa_hits
    assert 0.0085 <= hits / len(x) <= 0.0115  # 3/301, +-2 binomial standard errors


def test_empirical_tail_threshold_and_fa_prob_from_the_ranks_and_the_gev_beyond():
    draws = np.random.default_rng(3).gumbel(3.0, 0.7, 300)
    tail = empirical_tail(np.append(draws, np.nan))
    top = np.sort(draws)[::-1]
    assert tail.draws == 300
    assert top[3] < tail.threshold(0.01) == np.nextafter(top[2], np.inf) < top[1]
    assert tail.fa_prob(top[2]) == pytest.approx(4 / 301)  # 3 draws at or above it
    assert tail.fa_prob(top[0]) == pytest.approx(2 / 301)
    beyond = np.linspace(top[0] + 1e-9, top[0] + 5.0, 50)
    fa = [tail.fa_prob(v) for v in beyond]
    assert max(fa) <= 1 / 301 and np.all(np.diff(fa) <= 0)
    assert fa[-1] == pytest.approx(tail.gev.fa_prob(beyond[-1]))
    # below one draw's resolution the fitted GEV gives the threshold
    assert tail.threshold(1e-4) == tail.gev.threshold(1e-4) > top[0]
    assert np.isnan(tail.fa_prob(np.nan))


def test_fit_tail_uses_scipy_gamma_without_scipy_special_package():
    """The L-moment fit takes SciPy's own gamma ufunc (the tails' numbers stay those of
    ``scipy.special.gamma``) without running ``scipy.special``'s ``__init__``."""
    import subprocess
    import sys

    import scipy.special

    from corephase.analysis.detection.null import scipy_gamma

    assert scipy_gamma() is scipy.special.gamma
    code = (
        "import sys, numpy as np\n"
        "from corephase.analysis.detection.null import fit_tail\n"
        "t = fit_tail(np.random.default_rng(1).gumbel(3.0, 0.5, 300))\n"
        "print(repr((t.k, t.xi, t.alpha)), 'scipy.special' in sys.modules, "
        "'scipy.fft' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    fields, special, fft = out.stdout.strip().rsplit(" ", 2)
    assert (special, fft) == ("False", "False")
    import corephase.analysis.detection.null as null

    t = null.fit_tail(np.random.default_rng(1).gumbel(3.0, 0.5, 300))
    assert fields == repr((t.k, t.xi, t.alpha))
