"""Vespagrams: beams versus trial slowness and time at a fixed back-azimuth.

Conventions
-----------
- Element offsets ``east_km``, ``north_km`` in km from the reference point.
- Slowness in s/km inside these kernels (divide s/deg by
  :data:`corephase.model.geometry.KM_PER_DEG`).
- Back-azimuth in degrees clockwise from north, from the array to the source.
- The delay of element *i* at trial slowness ``s`` is the plane-wave delay of
  :func:`corephase.signal.alignment.plane_wave_delays` plus a per-element
  ``static_s`` (the rest of :func:`corephase.signal.alignment.element_delays`:
  curvature, elevation and station statics); each trace is advanced by it as
  :func:`corephase.signal.alignment.shift_traces` does (no wrap-around).
- Sample indices and times are relative to the first sample of ``data``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from itertools import pairwise

import numpy as np

from corephase.signal.alignment import plane_wave_delays
from corephase.signal.matrix import check_traces, check_weights
from corephase.signal.smoothing import boxcar
from corephase.signal.stacking import STACK_TYPES, StackParams, analytic_weights, next_fast_len
from corephase.signal.stacking import signed_power as spower

#: Trial slownesses between exact recomputations of the phase ramp on a uniform grid
#: (between them the ramp is advanced by one step, so single-precision round-off cannot grow).
REANCHOR = 16


@dataclass(frozen=True, eq=False)
class SlownessScan:
    """The trial delays of a vespagram: slownesses along one back-azimuth, plus statics.

    The delay of element *i* at trial slowness ``s`` is
    ``tau_i(s) = -s (x_i sin baz + y_i cos baz) + static_s[i]``.

    Attributes
    ----------
    slowness_s_km : numpy.ndarray, shape (n_slow,)
        Trial horizontal slownesses in s/km (uniform steps are fastest).
    baz_deg : float
        Back-azimuth in degrees clockwise from north.
    static_s : numpy.ndarray or None
        Extra per-element delay in s added to the plane-wave delay (elevation
        or station statics, curvature corrections); None for none.
    """

    slowness_s_km: np.ndarray
    baz_deg: float
    static_s: np.ndarray | None = None

    def __post_init__(self):
        s = np.atleast_1d(np.asarray(self.slowness_s_km, float))
        if s.ndim != 1 or s.size == 0:
            raise ValueError("slowness_s_km must be a non-empty 1-D array")
        object.__setattr__(self, "slowness_s_km", s)
        if self.static_s is not None:
            object.__setattr__(self, "static_s", np.asarray(self.static_s, float).reshape(-1))

    def statics(self, n_elements: int) -> np.ndarray:
        """The static delays (s) of ``n_elements`` elements (zeros without statics)."""
        if self.static_s is None:
            return np.zeros(n_elements)
        if self.static_s.size != n_elements:
            raise ValueError(f"static_s has {self.static_s.size} values for {n_elements} traces")
        return self.static_s


def vespagram_nfft(n_samples: int, dt: float, east_km, north_km, scan: SlownessScan) -> int:
    """FFT length used by :func:`vespagram_stacks` (5-smooth, no wrap-around).

    ``next_fast_len(n_samples + ceil(max|tau| / dt) + 1)`` over all trial
    slownesses of ``scan``, so the largest shift never wraps around. Shifting
    each trace with :func:`corephase.signal.alignment.shift_traces` and
    ``pad_to`` equal to this length gives the same fractional shifts as the
    vespagram.
    """
    q = plane_wave_delays(east_km, north_km, 1.0, scan.baz_deg)
    st = 0.0 if scan.static_s is None else float(np.max(np.abs(scan.static_s)))
    maxshift = float(np.max(np.abs(scan.slowness_s_km))) * float(np.max(np.abs(q))) + st
    return next_fast_len(int(n_samples) + int(np.ceil(maxshift / dt)) + 1)


def _check_args(data, dt, east_km, north_km, scan, stacks, precision):
    """Validated data, offsets, stack names and statics of the vespagram kernels."""
    data, x, y = check_traces(data, east_km, north_km)
    stacks = tuple(dict.fromkeys(stacks))
    bad = [k for k in stacks if k not in STACK_TYPES]
    if bad or not stacks:
        raise ValueError(f"unknown stack(s) {bad}; expected some of {', '.join(STACK_TYPES)}")
    if dt <= 0:
        raise ValueError(f"sample interval must be positive, got {dt}")
    if precision not in ("single", "double"):
        raise ValueError(f"precision must be 'single' or 'double', got {precision!r}")
    return data, x, y, stacks, scan.statics(data.shape[0])


def _is_uniform(s) -> bool:
    ds = np.diff(s)
    return s.size > 1 and bool(np.allclose(ds, ds[0], rtol=1e-9, atol=1e-12))


def _dtypes(precision: str):
    """(complex, real) dtypes of the inverse FFTs."""
    return (np.complex64, np.float32) if precision == "single" else (np.complex128, np.float64)


def _terms_needed(stacks) -> tuple[str, ...]:
    """Per-trace terms the stacks are means of: shifted trace, unit analytic signal,
    signed root, envelope."""
    need = {
        "lin": "linear" in stacks or "pws" in stacks,
        "unit": "pws" in stacks,
        "root": "nthroot" in stacks,
        "env": "envelope" in stacks,
    }
    return tuple(k for k, v in need.items() if v)


def _finish(means: dict, stacks, dt, params: StackParams, parts=None) -> dict:
    """Stacks from the means over traces of the per-trace terms (time on the last axis).

    ``parts[(stack, term)]`` is the slice of a term's samples that makes the
    output of that stack (default: all); gates and smoothing see the whole term.
    """
    parts = parts or {}
    out = {}
    if "linear" in stacks:
        out["linear"] = means["lin"][..., parts.get(("linear", "lin"), slice(None))]
    if "pws" in stacks:
        c = boxcar(np.abs(means["unit"]), dt, params.gate_s, "a PWS gate")
        c = c[..., parts.get(("pws", "unit"), slice(None))]
        out["coherence"] = c
        out["pws"] = means["lin"][..., parts.get(("pws", "lin"), slice(None))] * c**params.nu
    if "nthroot" in stacks:
        out["nthroot"] = spower(means["root"], params.n)
    if "envelope" in stacks:
        e = boxcar(means["env"], dt, params.smooth_s, "envelope smoothing")
        out["envelope"] = e[..., parts.get(("envelope", "env"), slice(None))]
    return out


def vespagram_stacks(
    data,
    dt: float,
    east_km,
    north_km,
    scan: SlownessScan,
    stacks=("linear",),
    *,
    params: StackParams | None = None,
    precision: str = "single",
    block: int = 16,
    workers: int = 1,
    method: str = "fft",
) -> dict[str, np.ndarray]:
    """Vespagrams of several stack types in one pass over the data.

    For each trial slowness ``s`` of ``scan`` every trace is advanced by its
    delay ``tau_i(s)`` (:class:`SlownessScan`) with a phase ramp on its
    zero-padded spectrum, exactly as
    :func:`corephase.signal.alignment.shift_traces` does (no wrap-around), and
    the aligned traces are stacked. The rFFT of the data is taken once; per
    slowness the ramp is applied to the one-sided spectrum and a single inverse
    FFT gives the analytic signal of every shifted trace, whose real part is the
    shifted trace, whose phase feeds the PWS and whose modulus the envelope
    stack. Work is done in blocks of ``block`` traces so memory stays bounded
    (a few ``block * nfft * 16`` bytes plus the outputs).

    Parameters
    ----------
    data : array_like, shape (n_elements, n_samples)
        Traces sharing the sample interval and start time.
    dt : float
        Sample interval in s.
    east_km, north_km : array_like, shape (n_elements,)
        Element offsets in km.
    scan : SlownessScan
        Trial slownesses (s/km), back-azimuth (degrees clockwise from north)
        and element statics (s).
    stacks : sequence of str
        Any of ``"linear"``, ``"pws"``, ``"nthroot"``, ``"envelope"``.
    params : StackParams, optional
        PWS power and gate, nth-root order, envelope smoothing (``StackParams()``).
    precision : {"single", "double"}
        Precision of the inverse FFTs and per-trace terms (single is faster;
        relative differences ~1e-6); sums over blocks are in double.
    block : int
        Number of traces per block (16 keeps a block's work arrays, about
        ``3 * block * nfft * 16`` bytes, near a 1 MB cache).
    workers : int
        Threads that share the trace blocks, each summing its share; the
        results agree with one thread to rounding (the order of the sums).
    method : {"fft", "interp"}
        ``"fft"`` (default): the exact phase ramps above. ``"interp"``: time-domain
        interpolation of the oversampled analytic signal in a compiled kernel
        (:mod:`corephase.signal.shifting`), always double precision, ~3x faster than
        double-precision ``"fft"``, within 7e-10 per unit spectral amplitude (about
        1e-9 of each stack's maximum); the ``"fft"`` method when numba is missing.

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
    data, x, y, stacks, st = _check_args(data, dt, east_km, north_km, scan, stacks, precision)
    params = params or StackParams()
    if int(block) < 1:
        raise ValueError(f"block must be a positive number of traces, got {block}")
    if method not in ("fft", "interp"):
        raise ValueError(f"method must be 'fft' or 'interp', got {method!r}")
    s = scan.slowness_s_km
    ntr, nsamp = data.shape
    nfft = vespagram_nfft(nsamp, dt, x, y, scan)
    q = plane_wave_delays(x, y, 1.0, scan.baz_deg)  # tau_i(s) = s * q_i + st_i
    block = int(block)
    blocks = [
        (data[r : r + block], q[r : r + block], st[r : r + block]) for r in range(0, ntr, block)
    ]
    kw = dict(s=s, dt=dt, nfft=nfft, terms=_terms_needed(stacks), nsamp=nsamp)
    shifter = _shifting() if method == "interp" else None
    if shifter is None:
        job = partial(_sum_blocks, n=params.n, precision=precision, **kw)
    else:
        job = partial(shifter.sum_blocks, weights=analytic_weights(nfft), n_root=params.n, **kw)
    parts = _in_threads(job, blocks, workers)
    means = {k: sum(p[k] for p in parts) / ntr for k in parts[0]}
    if shifter is not None:
        shifter.turn_quarters(means, nsamp)
    elif "lin" in means:  # the mean shifted trace from the mean one-sided spectrum
        means["lin"] = np.fft.ifft(means["lin"], nfft, axis=-1).real[:, :nsamp]
    return _finish(means, stacks, dt, params)


def _in_threads(job, blocks, workers: int) -> list:
    """``job`` of contiguous shares of ``blocks``, one share per thread (each thread sums
    its share into its own accumulators)."""
    n_thr = max(1, min(int(workers), len(blocks)))
    shares = [blocks[a:b] for a, b in pairwise(np.linspace(0, len(blocks), n_thr + 1).astype(int))]
    if n_thr == 1:
        return [job(shares[0])]
    with ThreadPoolExecutor(n_thr) as pool:
        return list(pool.map(job, shares))


def _sum_blocks(blocks, s, dt, nfft, n, precision, terms, nsamp) -> dict:
    """Per-trace terms summed over the traces of ``blocks`` ((data, q, statics) triples)."""
    nf = nfft // 2 + 1
    acc = {
        k: np.zeros(
            (s.size, nf if k == "lin" else nsamp), complex if k in ("unit", "lin") else float
        )
        for k in terms
    }
    for data, q, st in blocks:
        _accumulate_block(data, q, st, s, dt, nfft, n, precision, acc)
    return acc


def _shifting():
    """:mod:`corephase.signal.shifting` if numba is installed, else None (imported here:
    only ``method="interp"`` needs numba)."""
    from corephase.signal import shifting

    return shifting if shifting.numba_available() else None


class _PhaseRamps:
    """One-sided spectra of a block of traces, each advanced by its delay at a trial slowness.

    The spectra are weighted so that their inverse FFT is the analytic signal. On a
    uniform slowness grid the ramp of slowness ``j`` is that of ``j - 1`` times one step
    (one complex multiply per bin instead of an exponential), recomputed exactly at
    every multiple of :data:`REANCHOR` so round-off cannot grow. For an even FFT length
    the Nyquist bin keeps only its real part, as ``irfft`` of the shifted trace does.
    """

    def __init__(self, data, dt, nfft, q, st, s, cdt):
        self.tw = 2j * np.pi * np.fft.rfftfreq(nfft, dt)[None, :]
        self.xw = np.fft.rfft(data, nfft, axis=-1) * analytic_weights(nfft)
        self.qb, self.sb, self.s = q[:, None], st[:, None], s
        self.step = None
        if _is_uniform(s):
            self.step = np.exp(self.tw * (s[1] - s[0]) * self.qb).astype(cdt)
        self.nyq = None
        if nfft % 2 == 0:
            ph = self.tw[0, -1] * (s[None, :] * self.qb + self.sb)
            self.nyq = (self.xw[:, -1:] * np.exp(ph)).real
        self.prev, self.prev_j = None, -1

    def fill(self, j: int, head, anchor: bool = False) -> None:
        """Write the shifted spectra of slowness ``j`` into ``head`` (n_traces, nfft//2+1);
        ``anchor`` recomputes the ramp exactly (as at every :data:`REANCHOR`-th slowness)."""
        s = self.s
        if anchor or self.step is None or self.prev_j != j - 1 or j % REANCHOR == 0:
            ramp = np.exp(self.tw * (s[j] * self.qb + self.sb))
            np.multiply(self.xw, ramp, out=head, casting="same_kind")
        else:
            np.multiply(self.prev, self.step, out=head)
        if self.nyq is not None:
            head[:, -1] = self.nyq[:, j]
        self.prev, self.prev_j = head, j


def _accumulate_block(data, q, st, s, dt, nfft, n, precision, acc) -> None:
    """Add the per-trace terms of one block of traces, summed over traces, to ``acc``.

    Per trial slowness: one ramp step of the spectra; the linear term is summed as
    spectra (``acc["lin"]``, one-sided, inverted once per slowness by the caller).
    When another term is needed, one inverse FFT (into a reused buffer) gives the
    analytic signals, of which the first ``n_samples`` samples are used. Sums over
    traces are products with a vector of ones (on the float view of complex
    samples); the unit phasor is the analytic signal times ``1 / |z|``.
    """
    nb, nsamp = data.shape
    cdt, rdt = _dtypes(precision)
    tiny = np.finfo(rdt).tiny
    ramps = _PhaseRamps(data, dt, nfft, q, st, s, cdt)
    bb = np.zeros((nb, nfft), cdt)
    head = bb[:, : nfft // 2 + 1]
    zbuf = np.empty((nb, nfft), cdt)
    mag = np.empty((nb, nsamp), rdt)
    ones = np.ones(nb, rdt)
    per_trace = any(k in acc for k in ("root", "env", "unit"))
    for j in range(s.size):
        ramps.fill(j, head)
        if "lin" in acc:
            acc["lin"][j] += (ones @ head.view(rdt)).view(cdt)
        if not per_trace:
            continue
        z = np.fft.ifft(bb, axis=-1, out=zbuf)[:, :nsamp]
        if "root" in acc:
            re = z.real
            acc["root"][j] += ones @ (np.sign(re) * np.abs(re) ** (1.0 / n))
        if "env" in acc or "unit" in acc:
            np.abs(z, out=mag)
            if "env" in acc:
                acc["env"][j] += ones @ mag
            if "unit" in acc:
                np.maximum(mag, tiny, out=mag)
                np.reciprocal(mag, out=mag)
                z *= mag
                acc["unit"][j] += (ones @ z.view(rdt)).view(cdt)


def vespagram(data, dt: float, east_km, north_km, scan: SlownessScan, stack="linear", **kw):
    """Vespagram: stack amplitude versus trial slowness and time at a fixed back-azimuth.

    The ``stack`` entry of :func:`vespagram_stacks` (same arguments; ``**kw``
    are its keywords ``params``, ``precision``, ``block``, ``workers``).

    Returns
    -------
    numpy.ndarray, shape (n_slow, n_samples)
        Row *k* is the beam for trial slowness *k* of ``scan``; sample *j* is
        at ``j * dt`` after the first sample of ``data``.
    """
    return vespagram_stacks(data, dt, east_km, north_km, scan, (stack,), **kw)[stack]


def weighted_vespagram_stacks(
    data,
    dt: float,
    east_km,
    north_km,
    scan: SlownessScan,
    weights,
    stacks=("linear",),
    *,
    params: StackParams | None = None,
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
    data, dt, east_km, north_km, scan, stacks, params
        As for :func:`vespagram_stacks`: traces (n_elements, n_samples),
        sample interval in s, offsets in km, trial delays, stack names and
        parameters.
    workers : int
        Threads sharing each inverse FFT (:func:`_ifft`).
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
    data, x, y, stacks, st = _check_args(data, dt, east_km, north_km, scan, stacks, precision)
    wts = check_weights(weights, data.shape[0])
    params = params or StackParams()
    plan = _WeightedPlan(data, dt, x, y, scan, wts, stacks, st, params, samples)
    return plan.chunks(precision, max_bytes, workers)


def _ifft(x, workers: int) -> np.ndarray:
    """Inverse FFT along the last axis: NumPy's pocketfft with one worker, ``scipy.fft``'s
    threads otherwise (imported only then: 0.3 s); the same bits (tested)."""
    if int(workers) > 1:
        import scipy.fft

        return scipy.fft.ifft(x, axis=-1, workers=int(workers))
    return np.fft.ifft(x, axis=-1)


def _output_ranges(stacks, samples, nsamp: int) -> dict:
    """``{stack: (start, stop)}`` sample range of each output."""
    out = {}
    for k in stacks:
        r = samples.get(k, (0, nsamp)) if isinstance(samples, dict) else samples
        a, b = (0, nsamp) if r is None else (int(r[0]), int(r[1]))
        if not 0 <= a < b <= nsamp:
            raise ValueError(f"samples [{a}, {b}) for {k} are outside the data (0..{nsamp})")
        out[k] = (a, b)
    return out


def _padded(rng, length_s: float, dt: float, nsamp: int) -> tuple[int, int]:
    """A sample range widened by a smoothing window of ``length_s`` s on both sides."""
    a, b = rng
    h = round(length_s / dt) if length_s and length_s > 0 else 0
    lo, hi = max(0, a - h), min(nsamp, b + h)
    return (0, nsamp) if h > hi - lo else (lo, hi)


def _weighted_mean(w, t, den):
    """Weights (n_g, n_act) and terms (n_act, nj, nt) -> weighted means (n_g, nj, nt)."""
    na, nj, nt = t.shape
    if np.iscomplexobj(t):
        r = (w @ t.reshape(na, nj * nt).view(np.float64)).view(complex)
    else:
        r = w @ t.reshape(na, nj * nt)
    r = r.reshape(w.shape[0], nj, nt)
    return np.divide(r, den[:, None, None], out=r)


class _WeightedPlan:
    """What :func:`weighted_vespagram_stacks` computes: sample ranges, FFT groups, terms."""

    def __init__(self, data, dt, x, y, scan, wts, stacks, st, params, samples):
        self.data, self.dt, self.s, self.st, self.wts = data, dt, scan.slowness_s_km, st, wts
        self.stacks, self.params = stacks, params
        nsamp = data.shape[1]
        self.out_rng = _output_ranges(stacks, samples, nsamp)
        # range of each per-trace term: its users' outputs, with the smoothing halo
        term_rng = {}
        lin_users = [self.out_rng[k] for k in ("linear", "pws") if k in stacks]
        if lin_users:
            term_rng["lin"] = (min(r[0] for r in lin_users), max(r[1] for r in lin_users))
        if "pws" in stacks:
            term_rng["unit"] = _padded(self.out_rng["pws"], params.gate_s, dt, nsamp)
        if "nthroot" in stacks:
            term_rng["root"] = self.out_rng["nthroot"]
        if "envelope" in stacks:
            term_rng["env"] = _padded(self.out_rng["envelope"], params.smooth_s, dt, nsamp)
        self.term_rng = term_rng
        self.lo = min(r[0] for r in term_rng.values())
        self.hi = max(r[1] for r in term_rng.values())
        # one FFT length per selection, as vespagram_stacks takes it on the selected traces
        self.groups: dict[int, list[int]] = {}
        for r in range(wts.shape[0]):
            act = wts[r] > 0
            sel = replace(scan, static_s=st[act])
            nf_r = vespagram_nfft(nsamp, dt, x[act], y[act], sel)
            self.groups.setdefault(nf_r, []).append(r)
        self.q = plane_wave_delays(x, y, 1.0, scan.baz_deg)
        self.ramps: dict = {}
        term = {"linear": "lin", "pws": "lin", "nthroot": "root", "envelope": "env"}
        self.parts = {
            (k, term[k]): self._part(k, term[k]) for k in stacks
        }  # output samples within each term's samples
        if "pws" in stacks:
            self.parts[("pws", "unit")] = self._part("pws", "unit")

    def _part(self, kind: str, term: str) -> slice:
        a, b = self.out_rng[kind]
        t0 = self.term_rng[term][0]
        return slice(a - t0, b - t0)

    def chunks(self, precision: str, max_bytes: int, workers: int):
        """Iterator of ``(j0, j1, out)`` over chunks of trial slownesses (see the caller)."""
        ntr, nsel = self.data.shape[0], self.wts.shape[0]
        per_slow = sum(
            (hi - lo) * (ntr + nsel) * (16 if k == "unit" else 8)
            for k, (lo, hi) in self.term_rng.items()
        )
        per_slow += sum(nsel * 8 * (b - a) for a, b in self.out_rng.values())
        ns = self.s.size
        chunk = int(min(ns, max(1, max_bytes // max(per_slow, 1))))
        if REANCHOR <= chunk < ns:
            chunk -= chunk % REANCHOR  # chunks start where vespagram_stacks re-anchors its ramps
        for j0 in range(0, ns, chunk):
            j1 = min(j0 + chunk, ns)
            yield j0, j1, self._chunk(j0, j1, precision, max_bytes, workers)

    def _chunk(self, j0, j1, precision, max_bytes, workers) -> dict:
        nsel = self.wts.shape[0]
        res = {k: np.empty((nsel, j1 - j0, b - a)) for k, (a, b) in self.out_rng.items()}
        if "pws" in self.stacks:
            res["coherence"] = np.empty_like(res["pws"])
        wsum = self.wts.sum(axis=1)
        for nfft, rows in self.groups.items():
            act = np.any(self.wts[rows] > 0, axis=0)
            terms = self._terms(nfft, act, j0, j1, precision, max_bytes, workers)
            w, den = self.wts[rows][:, act], wsum[rows]
            means = {k: _weighted_mean(w, t, den) for k, t in terms.items()}
            out = _finish(means, self.stacks, self.dt, self.params, parts=self.parts)
            for k, v in out.items():
                res[k][rows] = v
        return res

    def _terms(self, nfft, act, j0, j1, precision, max_bytes, workers) -> dict:
        """Per-trace terms of the active traces for slownesses j0:j1, each on its range."""
        cdt, rdt = _dtypes(precision)
        tiny = np.finfo(rdt).tiny
        n = self.params.n
        key = (nfft, act.tobytes(), precision)
        if key not in self.ramps:  # phase-ramped spectra of these traces, kept across chunks
            self.ramps[key] = _PhaseRamps(
                self.data[act], self.dt, nfft, self.q[act], self.st[act], self.s, cdt
            )
        ramps = self.ramps[key]
        na = int(act.sum())
        out = {
            k: np.empty((na, j1 - j0, hi - lo), complex if k == "unit" else float)
            for k, (lo, hi) in self.term_rng.items()
        }
        cut = {k: slice(lo - self.lo, hi - self.lo) for k, (lo, hi) in self.term_rng.items()}
        nblk = int(min(REANCHOR, max(1, max_bytes // (4 * na * nfft * 16))))
        buf = np.zeros((na, nblk, nfft), cdt)
        for b0 in range(j0, j1, nblk):
            b1 = min(b0 + nblk, j1)
            nb, o0 = b1 - b0, b0 - j0
            bb = buf[:, :nb]
            for jj in range(nb):  # each block starts from an exact ramp
                ramps.fill(b0 + jj, bb[:, jj, : nfft // 2 + 1], anchor=jj == 0)
            zf = _ifft(bb, workers)[..., self.lo : self.hi]
            if "lin" in out:
                out["lin"][:, o0 : o0 + nb] = zf.real[..., cut["lin"]]
            if "root" in out:
                spower(zf.real[..., cut["root"]], 1.0 / n, out["root"][:, o0 : o0 + nb])
            if "env" in out or "unit" in out:
                mag = np.abs(zf)  # once for both terms
            if "env" in out:
                out["env"][:, o0 : o0 + nb] = mag[..., cut["env"]]
            if "unit" in out:
                # z * (1 / |z|) is bit for bit numpy's z / |z| (complex by real), and faster
                r = np.reciprocal(np.maximum(mag[..., cut["unit"]], tiny))
                np.multiply(zf[..., cut["unit"]], r, out=out["unit"][:, o0 : o0 + nb])
        return out
