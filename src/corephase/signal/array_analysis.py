"""Array analysis: vespagrams, frequency-wavenumber (FK) power and array response.

Conventions
-----------
- Element offsets ``east_km``, ``north_km`` in km from the reference point.
- Slowness in s/km inside these kernels (divide s/deg by
  :data:`corephase.model.geometry.KM_PER_DEG`).
- Back-azimuth in degrees clockwise from north, from the array to the source.
- The slowness *vector* ``(sx, sy)`` of the FK grids points in the direction of
  propagation (away from the source), as in ObsPy's ``array_processing``:
  ``sx = -s sin(baz)``, ``sy = -s cos(baz)``, and the delay of element *i* is
  ``tau_i = sx x_i + sy y_i`` (see :mod:`corephase.signal.alignment`).
- Sample indices and times are relative to the first sample of ``data``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft as sfft
from scipy.ndimage import correlate1d

from corephase.signal.alignment import plane_wave_delays
from corephase.signal.stacking import STACK_TYPES, boxcar

VESPAGRAM_STACKS = STACK_TYPES


# ----------------------------------------------------------------------------------------------
# Vespagram
# ----------------------------------------------------------------------------------------------
def _check_traces(data, east_km, north_km):
    data = np.asarray(data, float)
    if data.ndim != 2:
        raise ValueError(f"data must be 2-D (n_elements, n_samples), got shape {data.shape}")
    x = np.asarray(east_km, float).reshape(-1)
    y = np.asarray(north_km, float).reshape(-1)
    if x.size != data.shape[0] or y.size != data.shape[0]:
        raise ValueError(
            f"{data.shape[0]} traces but {x.size} east and {y.size} north offsets; they must match"
        )
    if not np.all(np.isfinite(data)):
        raise ValueError("data contain NaN or infinite samples")
    return data, x, y


def vespagram_nfft(
    n_samples: int, dt: float, east_km, north_km, slowness_s_km, baz_deg, static_s=None
):
    """FFT length used by :func:`vespagram_stacks` (5-smooth, no wrap-around).

    ``next_fast_len(n_samples + ceil(max|tau| / dt) + 1)`` over all trial
    slownesses, so the largest shift never wraps around. Shifting each trace
    with :func:`corephase.signal.alignment.shift_traces` and ``pad_to`` equal to this
    length gives the same fractional shifts as the vespagram.
    """
    q = plane_wave_delays(east_km, north_km, 1.0, baz_deg)
    st = 0.0 if static_s is None else float(np.max(np.abs(static_s)))
    maxshift = float(np.max(np.abs(slowness_s_km))) * float(np.max(np.abs(q))) + st
    return int(sfft.next_fast_len(int(n_samples) + int(np.ceil(maxshift / dt)) + 1, real=True))


def vespagram_stacks(
    data,
    dt: float,
    east_km,
    north_km,
    slowness_s_km,
    baz_deg: float,
    stacks=("linear",),
    *,
    nu: float = 2.0,
    gate_s: float = 0.0,
    n: float = 4.0,
    smooth_s: float = 0.0,
    static_s=None,
    precision: str = "single",
    block: int = 64,
    workers: int = 1,
) -> dict[str, np.ndarray]:
    """Vespagrams of several stack types in one pass over the data.

    For each trial slowness ``s`` every trace is advanced by its plane-wave
    delay ``tau_i(s) = -s (x_i sin baz + y_i cos baz) + static_i`` (see
    :func:`corephase.signal.alignment.plane_wave_delays`) with a phase ramp on its
    zero-padded spectrum, exactly as :func:`corephase.signal.alignment.shift_traces` does
    (no wrap-around), and the aligned traces are stacked. The rFFT of the data
    is taken once; per slowness the ramp is applied to the one-sided spectrum
    and a single inverse FFT gives the analytic signal of every shifted trace,
    whose real part is the shifted trace, whose phase feeds the PWS and whose
    modulus the envelope stack. Work is done in blocks of ``block`` traces so
    memory stays bounded (about ``block * nfft * 16`` bytes plus the outputs).

    Parameters
    ----------
    data : array_like, shape (n_elements, n_samples)
        Traces sharing the sample interval and start time.
    dt : float
        Sample interval in s.
    east_km, north_km : array_like, shape (n_elements,)
        Element offsets in km.
    slowness_s_km : array_like, shape (n_slow,)
        Trial horizontal slownesses in s/km (uniform steps are fastest).
    baz_deg : float
        Back-azimuth in degrees clockwise from north.
    stacks : sequence of str
        Any of ``"linear"``, ``"pws"``, ``"nthroot"``, ``"envelope"``.
    nu : float
        PWS power.
    gate_s : float
        Boxcar length (s) smoothing the PWS coherence; 0 for none.
    n : float
        nth-root order.
    smooth_s : float
        Boxcar length (s) smoothing the envelope stack; 0 for none.
    static_s : array_like, optional
        Extra per-element delay in s added to the plane-wave delay (elevation
        or station statics, curvature corrections).
    precision : {"single", "double"}
        Floating-point precision of the inverse FFTs (single is about twice as
        fast; relative differences are ~1e-6). Sums are accumulated in double.
    block : int
        Number of traces per block.
    workers : int
        Threads for :mod:`scipy.fft`.

    Returns
    -------
    dict
        ``{stack: ndarray (n_slow, n_samples)}``; for ``"pws"`` also
        ``"coherence"`` (n_slow, n_samples), the (gated) phase coherence 0..1.

    Notes
    -----
    The analytic signal here is that of the shifted, zero-padded trace; the
    reference :func:`corephase.signal.stacking.pws` takes the Hilbert transform of
    the truncated trace. They agree except within the Hilbert transform's
    reach of the trace ends.
    """
    data, x, y = _check_traces(data, east_km, north_km)
    s = np.atleast_1d(np.asarray(slowness_s_km, float))
    if s.ndim != 1 or s.size == 0:
        raise ValueError("slowness_s_km must be a non-empty 1-D array")
    stacks = tuple(stacks)
    bad = [k for k in stacks if k not in STACK_TYPES]
    if bad or not stacks:
        raise ValueError(f"unknown stack(s) {bad}; expected some of {', '.join(STACK_TYPES)}")
    if dt <= 0:
        raise ValueError(f"sample interval must be positive, got {dt}")
    if precision not in ("single", "double"):
        raise ValueError(f"precision must be 'single' or 'double', got {precision!r}")
    ntr, nsamp = data.shape
    st = np.zeros(ntr) if static_s is None else np.asarray(static_s, float).reshape(-1)
    if st.size != ntr:
        raise ValueError(f"static_s has {st.size} values for {ntr} traces")
    # tau_i(s) = s * q_i + st_i
    q = plane_wave_delays(x, y, 1.0, baz_deg)
    nfft = vespagram_nfft(nsamp, dt, x, y, s, baz_deg, st)
    nf = nfft // 2 + 1
    f = np.fft.rfftfreq(nfft, dt)
    w = np.full(nf, 2.0)
    w[0] = 1.0
    if nfft % 2 == 0:
        w[-1] = 1.0
    ds = np.diff(s)
    uniform = s.size > 1 and np.allclose(ds, ds[0], rtol=1e-9, atol=1e-12)
    cdt = np.complex64 if precision == "single" else np.complex128
    rdt = np.float32 if precision == "single" else np.float64
    tiny = np.finfo(rdt).tiny

    want_lin = any(k in stacks for k in ("linear", "pws"))
    acc_lin = np.zeros((s.size, nsamp)) if want_lin else None
    acc_unit = np.zeros((s.size, nsamp), complex) if "pws" in stacks else None
    acc_env = np.zeros((s.size, nsamp)) if "envelope" in stacks else None
    acc_root = np.zeros((s.size, nsamp)) if "nthroot" in stacks else None
    need_mag = acc_unit is not None or acc_env is not None

    spec_all = np.fft.rfft(data, nfft, axis=-1)
    buf = np.zeros((min(block, ntr), nfft), cdt)
    tw = 2j * np.pi * f[None, :]
    # The shifted spectrum obeys Y_j = Y_(j-1) * exp(i 2 pi f ds q) on a uniform grid; it is
    # recomputed exactly every `reanchor` steps so single-precision round-off cannot build up.
    reanchor = 16
    for r0 in range(0, ntr, block):
        r1 = min(r0 + block, ntr)
        nb = r1 - r0
        xw = spec_all[r0:r1] * w
        qb, sb = q[r0:r1, None], st[r0:r1, None]
        bb = buf[:nb]
        head = bb[:, :nf]
        step = np.exp(tw * ds[0] * qb).astype(cdt) if uniform else None
        for j in range(s.size):
            if not uniform or j % reanchor == 0:
                np.multiply(xw, np.exp(tw * (s[j] * qb + sb)), out=head, casting="same_kind")
            else:
                head *= step
            if nfft % 2 == 0:
                # the shifted real trace keeps only the real part of the Nyquist bin (irfft)
                head[:, -1] = (xw[:, -1] * np.exp(tw[0, -1] * (s[j] * qb[:, 0] + sb[:, 0]))).real
            # full-length, contiguous arrays; sums over the trace axis
            zf = sfft.ifft(bb, axis=-1, workers=workers)
            if acc_lin is not None:
                acc_lin[j] += zf.real.sum(axis=0)[:nsamp]
            if acc_root is not None:
                re = zf.real[:, :nsamp]
                acc_root[j] += (np.sign(re) * np.abs(re) ** (1.0 / n)).sum(axis=0)
            if need_mag:
                mag = np.abs(zf)
                if acc_env is not None:
                    acc_env[j] += mag.sum(axis=0)[:nsamp]
                if acc_unit is not None:
                    np.maximum(mag, tiny, out=mag)
                    np.reciprocal(mag, out=mag)
                    zf *= mag
                    acc_unit[j] += zf.sum(axis=0)[:nsamp]
    out: dict[str, np.ndarray] = {}
    if "linear" in stacks:
        out["linear"] = acc_lin / ntr
    if "pws" in stacks:
        c = np.abs(acc_unit) / ntr
        if gate_s and gate_s > 0:
            c = np.vstack([boxcar(row, dt, gate_s, "a PWS gate") for row in c])
        out["coherence"] = c
        out["pws"] = acc_lin / ntr * c**nu
    if "nthroot" in stacks:
        r = acc_root / ntr
        out["nthroot"] = np.sign(r) * np.abs(r) ** n
    if "envelope" in stacks:
        e = acc_env / ntr
        if smooth_s and smooth_s > 0:
            e = np.vstack([boxcar(row, dt, smooth_s, "envelope smoothing") for row in e])
        out["envelope"] = e
    return out


def vespagram(
    data, dt: float, east_km, north_km, slowness_s_km, baz_deg: float, stack="linear", **kw
) -> np.ndarray:
    """Vespagram: stack amplitude versus trial slowness and time at a fixed back-azimuth.

    Parameters
    ----------
    data : array_like, shape (n_elements, n_samples)
    dt : float
        Sample interval in s.
    east_km, north_km : array_like
        Element offsets in km.
    slowness_s_km : array_like, shape (n_slow,)
        Trial horizontal slownesses in s/km.
    baz_deg : float
        Back-azimuth in degrees clockwise from north.
    stack : {"linear", "pws", "nthroot", "envelope"}
    **kw
        Passed to :func:`vespagram_stacks` (``nu``, ``gate_s``, ``n``,
        ``smooth_s``, ``static_s``, ``precision``, ``block``, ``workers``).

    Returns
    -------
    numpy.ndarray, shape (n_slow, n_samples)
        Row *k* is the beam for ``slowness_s_km[k]``; sample *j* is at
        ``j * dt`` after the first sample of ``data``.
    """
    return vespagram_stacks(data, dt, east_km, north_km, slowness_s_km, baz_deg, (stack,), **kw)[
        stack
    ]


def boxcar_rows(a, dt: float, length_s: float, what: str = "smoothing") -> np.ndarray:
    """:func:`corephase.signal.stacking.boxcar` applied along the last axis of ``a``.

    Centred running mean over ``length_s`` seconds (``dt`` in s), zero outside
    the rows, exactly the window of ``np.convolve(row, ones(w) / w, "same")``
    with ``w = max(round(length_s / dt), 1)``; ``length_s <= 0`` returns ``a``.
    """
    if not length_s or length_s <= 0:
        return a
    if dt is None or dt <= 0:
        raise ValueError(f"{what} over {length_s} s needs a positive sample interval dt")
    w = max(round(length_s / dt), 1)
    if w <= 1:
        return a
    if w > a.shape[-1]:  # np.convolve(mode="same") then returns w samples; keep that behaviour
        rows = a.reshape(-1, a.shape[-1])
        out = np.vstack([boxcar(r, dt, length_s, what) for r in rows])
        return out.reshape((*a.shape[:-1], out.shape[-1]))
    # same window as np.convolve(x, ones(w) / w, "same"): x[m - w // 2 .. m + (w - 1) // 2]
    return correlate1d(a, np.full(w, 1.0 / w), axis=-1, mode="constant", cval=0.0)


def weighted_vespagram_stacks(
    data,
    dt: float,
    east_km,
    north_km,
    slowness_s_km,
    baz_deg: float,
    weights,
    stacks=("linear",),
    *,
    nu: float = 2.0,
    gate_s: float = 0.0,
    n: float = 4.0,
    smooth_s: float = 0.0,
    static_s=None,
    samples=None,
    precision: str = "double",
    max_bytes: int = 16 * 2**20,
    workers: int = 1,
):
    """Vespagrams of many weighted trace selections at once (e.g. bootstrap resamples).

    Row *r* of ``weights`` selects the traces of one vespagram: the result for
    that row equals :func:`vespagram_stacks` called on the traces repeated
    ``weights[r, i]`` times (for integer weights; in general the weighted mean
    over traces replaces the mean), including the FFT length, which
    :func:`vespagram_nfft` takes from the traces with non-zero weight.

    Every stack is a weighted mean of a per-trace quantity that does not
    depend on the selection: the shifted trace (linear, and the PWS beam), its
    unit analytic signal (PWS coherence), its signed root (nth-root) and its
    envelope (envelope stack). These are computed once per trial slowness
    (and distinct FFT length) and all selections follow from one matrix
    product per quantity, ``weights @ terms``; the nonlinear steps (coherence
    modulus and power, nth power, boxcar smoothing) are applied afterwards.

    Parameters
    ----------
    data, dt, east_km, north_km, slowness_s_km, baz_deg, stacks, nu, gate_s, n, smooth_s, \
static_s, workers
        As for :func:`vespagram_stacks`: traces (n_elements, n_samples),
        sample interval in s, offsets in km, slowness in s/km, back-azimuth in
        degrees clockwise from north, gate and smoothing lengths in s, static
        delays in s.
    weights : array_like, shape (n_sel, n_elements) or (n_elements,)
        Non-negative weights (counts for a bootstrap); every row needs a
        positive sum.
    samples : (int, int) or dict, optional
        Sample range ``[start, stop)`` of the output, relative to the first
        sample of ``data`` (default: all), or ``{stack: (start, stop)}`` per
        stack (``"coherence"`` follows ``"pws"``). Only these samples are
        computed; smoothing still sees the neighbouring samples, so the
        values do not depend on the range.
    precision : {"double", "single"}
        Precision of the inverse FFTs (see :func:`vespagram_stacks`).
    max_bytes : int
        Approximate bound (bytes) of the work arrays; slownesses are processed
        in chunks that fit (at least one slowness per chunk).

    Returns
    -------
    iterator of (int, int, dict)
        ``(j0, j1, out)`` per chunk of trial slownesses ``j0:j1``; ``out[stack]``
        has shape ``(n_sel, j1 - j0, stop - start)`` and equals rows ``j0:j1``
        of :func:`vespagram_stacks` for each selection; with ``"pws"`` also
        ``out["coherence"]``, the (gated) phase coherence 0..1. Arguments are
        checked when this function is called, before the first chunk.
    """
    data, x, y = _check_traces(data, east_km, north_km)
    s = np.atleast_1d(np.asarray(slowness_s_km, float))
    if s.ndim != 1 or s.size == 0:
        raise ValueError("slowness_s_km must be a non-empty 1-D array")
    stacks = tuple(dict.fromkeys(stacks))
    bad = [k for k in stacks if k not in STACK_TYPES]
    if bad or not stacks:
        raise ValueError(f"unknown stack(s) {bad}; expected some of {', '.join(STACK_TYPES)}")
    if dt <= 0:
        raise ValueError(f"sample interval must be positive, got {dt}")
    if precision not in ("single", "double"):
        raise ValueError(f"precision must be 'single' or 'double', got {precision!r}")
    ntr, nsamp = data.shape
    wts = np.asarray(weights, float)
    if wts.ndim == 1:
        wts = wts[None, :]
    if wts.ndim != 2 or wts.shape[1] != ntr:
        raise ValueError(f"weights must have shape (n_sel, {ntr}), got {np.shape(weights)}")
    if not np.all(np.isfinite(wts)) or np.any(wts < 0):
        raise ValueError("weights must be finite and non-negative")
    wsum = wts.sum(axis=1)
    if np.any(wsum <= 0):
        raise ValueError(f"weight rows {np.flatnonzero(wsum <= 0).tolist()} are all zero")
    st = np.zeros(ntr) if static_s is None else np.asarray(static_s, float).reshape(-1)
    if st.size != ntr:
        raise ValueError(f"static_s has {st.size} values for {ntr} traces")

    # output range per stack, and the range of each per-trace term (with smoothing halo)
    out_rng = {}
    for k in stacks:
        r = samples.get(k, (0, nsamp)) if isinstance(samples, dict) else samples
        a, b = (0, nsamp) if r is None else (int(r[0]), int(r[1]))
        if not 0 <= a < b <= nsamp:
            raise ValueError(f"samples [{a}, {b}) for {k} are outside the data (0..{nsamp})")
        out_rng[k] = (a, b)

    def padded(rng, length_s):
        a, b = rng
        h = round(length_s / dt) if length_s and length_s > 0 else 0
        lo, hi = max(0, a - h), min(nsamp, b + h)
        return (0, nsamp) if h > hi - lo else (lo, hi)

    term_rng = {}
    lin_users = [out_rng[k] for k in ("linear", "pws") if k in stacks]
    if lin_users:
        term_rng["lin"] = (min(r[0] for r in lin_users), max(r[1] for r in lin_users))
    if "pws" in stacks:
        term_rng["unit"] = padded(out_rng["pws"], gate_s)
    if "nthroot" in stacks:
        term_rng["root"] = out_rng["nthroot"]
    if "envelope" in stacks:
        term_rng["env"] = padded(out_rng["envelope"], smooth_s)
    lo_all = min(r[0] for r in term_rng.values())
    hi_all = max(r[1] for r in term_rng.values())

    # one FFT length per selection, as vespagram_stacks takes it on the selected traces
    groups: dict[int, list[int]] = {}
    for r in range(wts.shape[0]):
        act = wts[r] > 0
        nf_r = vespagram_nfft(nsamp, dt, x[act], y[act], s, baz_deg, st[act])
        groups.setdefault(nf_r, []).append(r)
    q = plane_wave_delays(x, y, 1.0, baz_deg)
    nsel = wts.shape[0]
    reanchor = 16  # as vespagram_stacks
    per_slow = 0
    for k, (lo, hi) in term_rng.items():
        per_slow += (hi - lo) * (ntr + nsel) * (16 if k == "unit" else 8)
    per_slow += sum(nsel * 8 * (b - a) for a, b in out_rng.values())
    chunk = int(min(s.size, max(1, max_bytes // max(per_slow, 1))))
    if reanchor <= chunk < s.size:
        chunk -= chunk % reanchor  # chunks start where vespagram_stacks re-anchors its ramps
    cdt = np.complex64 if precision == "single" else np.complex128
    rdt = np.float32 if precision == "single" else np.float64
    tiny = np.finfo(rdt).tiny
    ds = np.diff(s)
    uniform = s.size > 1 and np.allclose(ds, ds[0], rtol=1e-9, atol=1e-12)

    spectra: dict = {}

    def terms(nfft, act, j0, j1):
        """Per-trace quantities of the active traces for slownesses j0:j1 on their ranges."""
        nf = nfft // 2 + 1
        f = np.fft.rfftfreq(nfft, dt)
        key = (nfft, act.tobytes())
        if key not in spectra:  # one-sided spectra weighted for the analytic signal
            wf = np.full(nf, 2.0)
            wf[0] = 1.0
            if nfft % 2 == 0:
                wf[-1] = 1.0
            spectra[key] = np.fft.rfft(data[act], nfft, axis=-1) * wf
        xw = spectra[key]
        tw = 2j * np.pi * f[None, :]
        qb, sb = q[act, None], st[act, None]
        na = int(act.sum())
        out = {
            k: np.empty((na, j1 - j0, hi - lo), complex if k == "unit" else float)
            for k, (lo, hi) in term_rng.items()
        }
        cut = {k: slice(lo - lo_all, hi - lo_all) for k, (lo, hi) in term_rng.items()}
        nblk = int(min(reanchor, max(1, max_bytes // (4 * na * nfft * 16))))
        buf = np.zeros((na, nblk, nfft), cdt)
        step = np.exp(tw * ds[0] * qb).astype(cdt) if uniform else None
        for b0 in range(j0, j1, nblk):
            b1 = min(b0 + nblk, j1)
            nb, o0 = b1 - b0, b0 - j0
            bb = buf[:, :nb]
            head = bb[..., :nf]
            # shifted spectra; as in vespagram_stacks, on a uniform grid the ramp is advanced
            # by one step per slowness and recomputed exactly every `reanchor` slownesses
            for jj, j in enumerate(range(b0, b1)):
                if not uniform or jj == 0 or j % reanchor == 0:
                    ramp = np.exp(tw * (s[j] * qb + sb))
                    np.multiply(xw, ramp, out=head[:, jj], casting="same_kind")
                else:
                    np.multiply(head[:, jj - 1], step, out=head[:, jj])
            if nfft % 2 == 0:
                # the shifted real trace keeps only the real part of the Nyquist bin (irfft)
                sj = s[b0:b1][None, :]
                head[..., -1] = (xw[:, None, -1] * np.exp(tw[0, -1] * (sj * qb + sb))).real
            zf = sfft.ifft(bb, axis=-1, workers=workers)[..., lo_all:hi_all]
            if "lin" in out:
                out["lin"][:, o0 : o0 + nb] = zf.real[..., cut["lin"]]
            if "root" in out:
                re = zf.real[..., cut["root"]]
                out["root"][:, o0 : o0 + nb] = np.sign(re) * np.abs(re) ** (1.0 / n)
            if "env" in out:
                out["env"][:, o0 : o0 + nb] = np.abs(zf[..., cut["env"]])
            if "unit" in out:
                z = zf[..., cut["unit"]]
                out["unit"][:, o0 : o0 + nb] = z / np.maximum(np.abs(z), tiny)
        return out

    def wmean(w, t, den):
        """Weights (n_g, n_act) and terms (n_act, nj, nt) -> weighted means (n_g, nj, nt)."""
        na, nj, nt = t.shape
        if np.iscomplexobj(t):
            r = (w @ t.reshape(na, nj * nt).view(np.float64)).view(complex)
        else:
            r = w @ t.reshape(na, nj * nt)
        return r.reshape(w.shape[0], nj, nt) / den[:, None, None]

    def part(k, term):
        a, b = out_rng[k]
        return slice(a - term_rng[term][0], b - term_rng[term][0])

    def gen():
        for j0 in range(0, s.size, chunk):
            j1 = min(j0 + chunk, s.size)
            res = {k: np.empty((nsel, j1 - j0, b - a)) for k, (a, b) in out_rng.items()}
            if "pws" in stacks:
                res["coherence"] = np.empty_like(res["pws"])
            for nfft, rows in groups.items():
                w = wts[rows]
                act = np.any(w > 0, axis=0)
                t = terms(nfft, act, j0, j1)
                w, den = w[:, act], wsum[rows]
                if "lin" in t:
                    lin = wmean(w, t.pop("lin"), den)
                    if "linear" in stacks:
                        res["linear"][rows] = lin[..., part("linear", "lin")]
                if "pws" in stacks:
                    c = np.abs(wmean(w, t.pop("unit"), den))
                    c = boxcar_rows(c, dt, gate_s, "a PWS gate")[..., part("pws", "unit")]
                    res["coherence"][rows] = c
                    res["pws"][rows] = lin[..., part("pws", "lin")] * c**nu
                if "nthroot" in stacks:
                    r = wmean(w, t.pop("root"), den)
                    res["nthroot"][rows] = np.sign(r) * np.abs(r) ** n
                if "envelope" in stacks:
                    e = boxcar_rows(
                        wmean(w, t.pop("env"), den), dt, smooth_s, "envelope smoothing"
                    )
                    res["envelope"][rows] = e[..., part("envelope", "env")]
            yield j0, j1, res

    return gen()


# ----------------------------------------------------------------------------------------------
# FK analysis
# ----------------------------------------------------------------------------------------------
def slowness_grid(smax_s_km: float, step_s_km: float) -> np.ndarray:
    """Grid ``-smax, -smax + step, ...`` (s/km) with ``int(2 smax / step + 0.5) + 1`` points.

    The same count as ObsPy's ``array_processing`` for ``sll = -smax``, ``slm = smax``.
    """
    if step_s_km <= 0 or smax_s_km <= 0:
        raise ValueError(
            f"slowness limit and step must be positive, got {smax_s_km} and {step_s_km} s/km"
        )
    n = int(2.0 * smax_s_km / step_s_km + 0.5) + 1
    return -smax_s_km + np.arange(n) * step_s_km


def cosine_taper(n: int, p: float = 0.22) -> np.ndarray:
    """Cosine (Tukey-like) taper of ``n`` samples, fraction ``p`` at each end.

    Same definition as :func:`obspy.signal.invsim.cosine_taper` (the taper
    ObsPy's ``array_processing`` applies with ``p = 0.22``).
    """
    if not 0 <= p < 1:
        raise ValueError(f"taper fraction must be within [0, 1), got {p}")
    frac = int(n * p / 2.0 + 0.5)
    idx1, idx2, idx3, idx4 = 0, frac - 1, n - frac, n - 1
    if idx1 == idx2:
        idx2 += 1
    if idx3 == idx4:
        idx3 -= 1
    t = np.ones(n)
    if idx1 != idx2:
        k = np.arange(idx1, idx2 + 1)
        t[idx1 : idx2 + 1] = 0.5 * (1.0 - np.cos(np.pi * (k - idx1) / (idx2 - idx1)))
    if idx3 != idx4:
        k = np.arange(idx3, idx4 + 1)
        t[idx3 : idx4 + 1] = 0.5 * (1.0 + np.cos(np.pi * (idx3 - k) / (idx4 - idx3)))
    if idx1 == idx2:
        t[idx1] = 0.0
    if idx3 == idx4:
        t[idx3] = 0.0
    return t


def _band_bins(nfft: int, dt: float, fmin: float, fmax: float) -> tuple[int, int]:
    df = 1.0 / (nfft * dt)
    lo = max(1, int(fmin / df + 0.5))
    hi = min(nfft // 2 - 1, int(fmax / df + 0.5))
    if hi < lo:
        raise ValueError(
            f"band {fmin}-{fmax} Hz contains no frequency bin for a {nfft * dt:.2f} s window "
            f"(bin width {df:.3f} Hz)"
        )
    return lo, hi


def _window_spectra(data, starts, nsamp, dt, fmin, fmax, taper):
    """Demeaned, tapered window spectra in the band: (n_win, n_el, n_f), freqs (Hz)."""
    nfft = 1 << int(np.ceil(np.log2(nsamp)))
    lo, hi = _band_bins(nfft, dt, fmin, fmax)
    view = np.lib.stride_tricks.sliding_window_view(data, nsamp, axis=-1)  # (nel, nstart, ns)
    win = view[:, starts, :].transpose(1, 0, 2)
    win = win - win.mean(axis=-1, keepdims=True)
    win = win * cosine_taper(nsamp, taper)
    spec = np.fft.rfft(win, nfft, axis=-1)[..., lo : hi + 1]
    freqs = np.arange(lo, hi + 1) / (nfft * dt)
    return spec, freqs


def _steering(x, y, sx, sy, freqs, dtype):
    """Steering matrices exp(i 2 pi f (sx x + sy y)): (n_f, n_el, n_grid)."""
    # separable: exp(i w (sx x + sy y)) = exp(i w sx x) exp(i w sy y), an outer product
    w = 2j * np.pi * np.asarray(freqs, float)[:, None, None]
    a = np.exp(w * np.outer(x, sx)[None]).astype(dtype)  # (nf, nel, nsx)
    b = np.exp(w * np.outer(y, sy)[None]).astype(dtype)  # (nf, nel, nsy)
    return (a[:, :, :, None] * b[:, :, None, :]).reshape(len(freqs), len(x), -1)


def _beam_power(spec, steer, freqs_chunk=None):
    """sum_f |spec[w, :, f] @ steer[f]|^2 -> (n_win, n_grid)."""
    nwin = spec.shape[0]
    p = np.zeros((nwin, steer.shape[-1]), np.float64 if steer.dtype == complex else np.float32)
    for k in range(steer.shape[0]):
        b = spec[:, :, k].astype(steer.dtype) @ steer[k]
        a = np.abs(b)
        p += a * a
    return p


def _bartlett_separable(spec, x, y, sx, sy, freqs):
    """Bartlett power of one window on the grid sx x sy, as (n_sx, n_sy).

    Uses ``exp(i w (sx x + sy y)) = exp(i w sx x) exp(i w sy y)``: per frequency
    the beam over the whole grid is one (n_sx, n_el) @ (n_el, n_sy) product,
    so the (n_el, n_sx * n_sy) steering matrix is never formed.
    """
    p = np.zeros((sx.size, sy.size))
    for k, f in enumerate(np.asarray(freqs, float)):
        w = 2j * np.pi * f
        a = np.exp(w * np.outer(x, sx))  # (nel, nsx)
        b = np.exp(w * np.outer(y, sy))  # (nel, nsy)
        m = (spec[:, k, None] * a).T @ b
        p += m.real**2 + m.imag**2
    return p


def _capon_power(spec, steer, loading=1e-3):
    """Capon (MVDR) power sum_f 1 / (e^H R_f^-1 e) per window, R_f rank-one plus loading."""
    nwin, nel, nf = spec.shape
    p = np.zeros((nwin, steer.shape[-1]))
    for k in range(nf):
        xk = spec[:, :, k]
        r = xk[:, :, None] * xk[:, None, :].conj()
        tr = np.real(np.trace(r, axis1=1, axis2=2)) / nel
        r = r + (loading * tr + 1e-300)[:, None, None] * np.eye(nel)[None]
        ri = np.linalg.inv(r)
        e = steer[k].astype(complex)  # (nel, ngrid)
        # e^H R^-1 e for every grid point; conj(e) convention matches Bartlett's e^T X
        q = np.einsum("ig,wij,jg->wg", e, ri, e.conj(), optimize=True)
        p += 1.0 / np.maximum(np.abs(q), 1e-300)
    return p


def _baz_slowness(sx, sy):
    s = np.hypot(sx, sy)
    baz = np.degrees(np.arctan2(-np.asarray(sx), -np.asarray(sy))) % 360.0
    return s, baz


def fk_power(
    data,
    dt: float,
    east_km,
    north_km,
    t0_idx: int,
    t1_idx: int,
    smax_s_km: float,
    step_s_km: float,
    fmin: float,
    fmax: float,
    method: str = "bartlett",
    taper: float = 0.22,
):
    """FK (beam) power over a slowness grid in one time window.

    The window ``data[:, t0_idx:t1_idx]`` is demeaned, tapered (cosine, 22 %)
    and Fourier transformed with the next power-of-two length; bins in
    ``fmin..fmax`` (excluding DC and Nyquist) are beamformed.

    Parameters
    ----------
    data : array_like, shape (n_elements, n_samples)
    dt : float
        Sample interval in s.
    east_km, north_km : array_like
        Element offsets in km.
    t0_idx, t1_idx : int
        Window start (inclusive) and end (exclusive) sample.
    smax_s_km, step_s_km : float
        Grid ``sx, sy`` in ``-smax..smax`` s/km with step ``step`` s/km.
    fmin, fmax : float
        Band in Hz.
    method : {"bartlett", "capon"}
        Conventional beamforming or Capon (MVDR, diagonal loading 1e-3).
    taper : float
        Cosine-taper fraction.

    Returns
    -------
    sx, sy : numpy.ndarray
        Grid axes in s/km (propagation-direction slowness vector).
    power_abs : numpy.ndarray, shape (n_sx, n_sy)
        Bartlett: ``sum_f |sum_i X_i(f) exp(i 2 pi f tau_i)|^2`` in
        (data units)^2, as ObsPy's ``abspow``. Capon: ``sum_f 1/(e^H R^-1 e)``.
    power_rel : numpy.ndarray, shape (n_sx, n_sy)
        Bartlett: ``power_abs / (N sum_f sum_i |X_i(f)|^2)``, 0..1 (1 for a
        perfectly coherent plane wave at the grid point). Capon: normalised
        to its maximum.
    """
    data, x, y = _check_traces(data, east_km, north_km)
    t0_idx, t1_idx = int(t0_idx), int(t1_idx)
    if not 0 <= t0_idx < t1_idx <= data.shape[1]:
        raise ValueError(
            f"FK window [{t0_idx}, {t1_idx}) is outside the data (0..{data.shape[1]} samples)"
        )
    sx = slowness_grid(smax_s_km, step_s_km)
    sy = sx.copy()
    spec, freqs = _window_spectra(data, np.array([t0_idx]), t1_idx - t0_idx, dt, fmin, fmax, taper)
    if method == "bartlett":
        p = _bartlett_separable(spec[0], x, y, sx, sy, freqs).ravel()
        dpow = x.size * np.sum(np.abs(spec[0]) ** 2)
        rel = p / dpow if dpow > 0 else np.zeros_like(p)
    elif method == "capon":
        p = _capon_power(spec, _steering(x, y, sx, sy, freqs, complex))[0]
        rel = p / p.max() if p.max() > 0 else p
    else:
        raise ValueError(f"unknown FK method {method!r}; expected 'bartlett' or 'capon'")
    shape = (sx.size, sy.size)
    return sx, sy, p.reshape(shape), rel.reshape(shape)


def weighted_fk_power(
    data,
    dt: float,
    east_km,
    north_km,
    t0_idx: int,
    t1_idx: int,
    smax_s_km: float,
    step_s_km: float,
    fmin: float,
    fmax: float,
    weights,
    taper: float = 0.22,
):
    """Bartlett FK power of many weighted element selections in one window.

    Row *r* of ``weights`` gives the result of :func:`fk_power` (Bartlett) on
    the elements repeated ``weights[r, i]`` times (integer weights; in general
    a weighted beam): ``sum_f |sum_i w_i X_i(f) exp(i 2 pi f tau_i)|^2`` and
    its ratio to ``(sum_i w_i) sum_f sum_i w_i |X_i(f)|^2``. Window spectra and
    steering vectors are computed once for all selections; per frequency and
    selection the grid of beams is one (n_sx, n) @ (n, n_sy) product over the
    n elements with non-zero weight.

    Parameters
    ----------
    data, dt, east_km, north_km, t0_idx, t1_idx, smax_s_km, step_s_km, fmin, fmax, taper
        As for :func:`fk_power` (sample interval in s, offsets in km, grid in
        s/km, band in Hz).
    weights : array_like, shape (n_sel, n_elements) or (n_elements,)
        Non-negative weights; every row needs a positive sum.

    Returns
    -------
    sx, sy : numpy.ndarray
        Grid axes in s/km (propagation-direction slowness vector).
    power_abs, power_rel : numpy.ndarray, shape (n_sel, n_sx, n_sy)
        Absolute and relative (0..1) Bartlett power per selection.
    """
    data, x, y = _check_traces(data, east_km, north_km)
    t0_idx, t1_idx = int(t0_idx), int(t1_idx)
    if not 0 <= t0_idx < t1_idx <= data.shape[1]:
        raise ValueError(
            f"FK window [{t0_idx}, {t1_idx}) is outside the data (0..{data.shape[1]} samples)"
        )
    wts = np.asarray(weights, float)
    if wts.ndim == 1:
        wts = wts[None, :]
    if wts.ndim != 2 or wts.shape[1] != x.size:
        raise ValueError(f"weights must have shape (n_sel, {x.size}), got {np.shape(weights)}")
    if not np.all(np.isfinite(wts)) or np.any(wts < 0) or np.any(wts.sum(axis=1) <= 0):
        raise ValueError("weights must be finite, non-negative and have positive row sums")
    sx = slowness_grid(smax_s_km, step_s_km)
    sy = sx.copy()
    spec, freqs = _window_spectra(data, np.array([t0_idx]), t1_idx - t0_idx, dt, fmin, fmax, taper)
    spec = spec[0]  # (n_el, n_f)
    nsel = wts.shape[0]
    act = wts > 0
    p = np.zeros((nsel, sx.size, sy.size))
    for k, f in enumerate(np.asarray(freqs, float)):
        w = 2j * np.pi * f
        a = spec[:, k, None] * np.exp(w * np.outer(x, sx))  # (nel, nsx)
        b = np.exp(w * np.outer(y, sy))  # (nel, nsy)
        for r in range(nsel):
            # beam of selection r over the grid, from its elements only; p[r] stays in cache
            ar = act[r]
            m = (wts[r, ar, None] * a[ar]).T @ b[ar]
            pr = p[r]
            pr += m.real**2
            pr += m.imag**2
    dpow = wts.sum(axis=1) * (wts @ np.sum(np.abs(spec) ** 2, axis=1))
    rel = p / np.where(dpow > 0, dpow, 1.0)[:, None, None]
    rel[dpow <= 0] = 0.0
    return sx, sy, p, rel


@dataclass
class SlidingFK:
    """Sliding-window FK results; one entry per window.

    Attributes
    ----------
    t_start_s, t_center_s : numpy.ndarray
        Window start and centre in s after the first sample of the data.
    relpow, abspow : numpy.ndarray
        Relative (0..1) and absolute beam power at the best grid point.
    sx, sy : numpy.ndarray
        Best slowness vector in s/km (propagation direction).
    slowness_s_km : numpy.ndarray
        Best horizontal slowness in s/km.
    baz_deg : numpy.ndarray
        Best back-azimuth, degrees clockwise from north in [0, 360).
    relpow_maps : numpy.ndarray or None
        (n_win, n_sx, n_sy) relative power when requested.
    """

    t_start_s: np.ndarray
    t_center_s: np.ndarray
    relpow: np.ndarray
    abspow: np.ndarray
    sx: np.ndarray
    sy: np.ndarray
    slowness_s_km: np.ndarray
    baz_deg: np.ndarray
    relpow_maps: np.ndarray | None = None


def sliding_fk(
    data,
    dt: float,
    east_km,
    north_km,
    win_len_s: float,
    win_frac: float,
    smax_s_km: float,
    step_s_km: float,
    fmin: float,
    fmax: float,
    t0_idx: int = 0,
    t1_idx: int | None = None,
    method: str = "bartlett",
    taper: float = 0.22,
    chunk: int = 64,
    return_maps: bool = False,
) -> SlidingFK:
    """Sliding-window FK analysis: best slowness and back-azimuth per window.

    Windows of ``int(win_len_s / dt)`` samples start at ``t0_idx`` and step by
    ``int(n * win_frac)`` samples while they end at or before ``t1_idx`` (the
    windowing of ObsPy's ``array_processing``). Each window is demeaned and
    tapered; the cross-spectral information of all windows is obtained with
    one batched FFT over the band's bins, and the Bartlett power of every grid
    point is a batched matrix product of the window spectra with precomputed
    steering vectors (single precision, the best few grid points re-evaluated
    in double precision so the argmax equals a double-precision search).

    Parameters
    ----------
    data : array_like, shape (n_elements, n_samples)
    dt : float
        Sample interval in s.
    east_km, north_km : array_like
        Element offsets in km.
    win_len_s : float
        Window length in s.
    win_frac : float
        Step as a fraction of the window length (0.5 for 50 % overlap).
    smax_s_km, step_s_km : float
        Slowness grid limit and step in s/km.
    fmin, fmax : float
        Band in Hz.
    t0_idx, t1_idx : int
        Sample range analysed (default: all data).
    method : {"bartlett", "capon"}
    taper : float
        Cosine-taper fraction (0.22 as ObsPy).
    chunk : int
        Windows processed together (bounds memory).
    return_maps : bool
        Keep the relative-power map of every window.

    Returns
    -------
    SlidingFK
    """
    data, x, y = _check_traces(data, east_km, north_km)
    nel, ntot = data.shape
    t1_idx = ntot if t1_idx is None else int(t1_idx)
    nsamp = int(win_len_s / dt)
    nstep = int(nsamp * win_frac)
    if nsamp < 4 or nstep < 1:
        raise ValueError(f"window of {win_len_s} s with step fraction {win_frac} is too short")
    if not 0 <= t0_idx and t0_idx + nsamp <= min(t1_idx, ntot):
        raise ValueError(f"no complete {win_len_s} s window in samples {t0_idx}..{t1_idx}")
    starts = np.arange(t0_idx, min(t1_idx, ntot) - nsamp + 1, nstep)
    sx = slowness_grid(smax_s_km, step_s_km)
    sy = sx.copy()
    gx, gy = np.meshgrid(sx, sy, indexing="ij")
    gx, gy = gx.ravel(), gy.ravel()
    nfft = 1 << int(np.ceil(np.log2(nsamp)))
    lo, hi = _band_bins(nfft, dt, fmin, fmax)
    freqs = np.arange(lo, hi + 1) / (nfft * dt)
    steer = _steering(x, y, sx, sy, freqs, np.complex64)
    nw = starts.size
    best = np.zeros(nw, int)
    relpow = np.zeros(nw)
    abspow = np.zeros(nw)
    maps = np.zeros((nw, sx.size, sy.size)) if return_maps else None
    for c0 in range(0, nw, chunk):
        st = starts[c0 : c0 + chunk]
        spec, _ = _window_spectra(data, st, nsamp, dt, fmin, fmax, taper)
        dpow = nel * np.sum(np.abs(spec) ** 2, axis=(1, 2))
        if method == "bartlett":
            p = _beam_power(spec, steer)
            # re-evaluate the best candidates in double precision
            k = min(4, p.shape[1])
            cand = np.argpartition(p, -k, axis=1)[:, -k:]
            ph = np.exp(
                2j
                * np.pi
                * freqs[None, :, None, None]
                * (gx[cand][:, None, :, None] * x + gy[cand][:, None, :, None] * y)
            )  # (w, f, k, nel)
            b = np.einsum("wfki,wif->wfk", ph, spec)
            pk = np.sum(np.abs(b) ** 2, axis=1)  # (w, k)
            # ties: lowest grid index, as a C-order argmax would
            order = np.lexsort((cand, -pk), axis=1)[:, 0]
            bi = cand[np.arange(cand.shape[0]), order]
            pa = pk[np.arange(cand.shape[0]), order]
            best[c0 : c0 + st.size] = bi
            abspow[c0 : c0 + st.size] = pa
            relpow[c0 : c0 + st.size] = np.where(dpow > 0, pa / np.where(dpow > 0, dpow, 1), 0)
            if return_maps:
                maps[c0 : c0 + st.size] = (p / dpow[:, None]).reshape(-1, sx.size, sy.size)
        elif method == "capon":
            p = _capon_power(spec, steer)
            bi = np.argmax(p, axis=1)
            best[c0 : c0 + st.size] = bi
            abspow[c0 : c0 + st.size] = p[np.arange(st.size), bi]
            relpow[c0 : c0 + st.size] = 1.0
            if return_maps:
                maps[c0 : c0 + st.size] = (p / p.max(axis=1, keepdims=True)).reshape(
                    -1, sx.size, sy.size
                )
        else:
            raise ValueError(f"unknown FK method {method!r}; expected 'bartlett' or 'capon'")
    bsx, bsy = gx[best], gy[best]
    slow, baz = _baz_slowness(bsx, bsy)
    return SlidingFK(
        t_start_s=starts * dt,
        t_center_s=(starts + nsamp / 2.0) * dt,
        relpow=relpow,
        abspow=abspow,
        sx=bsx,
        sy=bsy,
        slowness_s_km=slow,
        baz_deg=baz,
        relpow_maps=maps,
    )


def fk_peak(sx, sy, power) -> tuple[float, float, float, float]:
    """Best grid point of an FK map: ``(slowness_s_km, baz_deg, sx, sy)``."""
    ix, iy = np.unravel_index(int(np.argmax(power)), np.shape(power))
    s, baz = _baz_slowness(sx[ix], sy[iy])
    return float(s), float(baz), float(sx[ix]), float(sy[iy])


# ----------------------------------------------------------------------------------------------
# Array response
# ----------------------------------------------------------------------------------------------
def _grid(limit: float, step: float) -> np.ndarray:
    if limit <= 0 or step <= 0:
        raise ValueError(f"grid limit and step must be positive, got {limit} and {step}")
    n = int(np.ceil((limit + step / 10.0 + limit) / step))
    return np.linspace(-limit, limit, n)


def array_response(east_km, north_km, limit: float, step: float, freqs=None):
    """Array response function (ARF) in wavenumber or slowness.

    Parameters
    ----------
    east_km, north_km : array_like
        Element offsets in km.
    limit, step : float
        Symmetric grid ``-limit..limit``. Wavenumber (``freqs`` None): angular
        wavenumber in rad/km. Slowness (``freqs`` given): s/km.
    freqs : array_like, optional
        Frequencies in Hz. If given, the ARF in slowness is the mean over
        these frequencies of the single-frequency response.

    Returns
    -------
    gx, gy : numpy.ndarray
        Grid axes (east and north components), rad/km or s/km. The number of
        points is ``ceil((2 limit + step/10) / step)`` as in ObsPy's
        ``array_transff_wavenumber``.
    arf : numpy.ndarray, shape (n_gx, n_gy)
        ``|sum_i exp(i k.r_i)|^2 / N^2`` (``k = 2 pi f s`` in slowness), 1 at
        the origin.
    """
    x = np.asarray(east_km, float).reshape(-1)
    y = np.asarray(north_km, float).reshape(-1)
    if x.size != y.size or x.size < 1:
        raise ValueError("east_km and north_km must be non-empty and of equal length")
    g = _grid(limit, step)
    gx, gy = np.meshgrid(g, g, indexing="ij")
    dot = np.outer(gx.ravel(), x) + np.outer(gy.ravel(), y)  # (ngrid, nel)
    if freqs is None:
        arf = np.abs(np.exp(1j * dot).sum(axis=1)) ** 2
    else:
        fr = np.atleast_1d(np.asarray(freqs, float))
        arf = np.zeros(dot.shape[0])
        for f in fr:
            arf += np.abs(np.exp(2j * np.pi * f * dot).sum(axis=1)) ** 2
        arf /= fr.size
    return g, g.copy(), (arf / x.size**2).reshape(gx.shape)
