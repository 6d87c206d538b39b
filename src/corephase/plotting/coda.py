"""Figures of the coda analysis (matplotlib Figure objects, Agg, no pyplot state).

All functions take the ``arrays`` dict returned by
:func:`corephase.analysis.coda.analyse_coda` (or loaded with
:func:`corephase.analysis.coda.load_coda_arrays`) and write a figure with
:func:`corephase.plotting.style.save_figure`. Times are seconds relative to
each phase's theoretical arrival; amplitudes are log10 of the envelope beam
(raw, no noise correction or floor) over its value at the phase peak; the
noise level is drawn as a line. Each function returns the
:class:`matplotlib.figure.Figure` it wrote.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from corephase.plotting.style import (
    PHASE_COLORS,
    SEQUENTIAL_CMAP,
    TITLE_Y,
    flat_ticks,
    save_figure,
)

_COLORS = PHASE_COLORS

# Fixed axes rectangles (left, bottom, width, height; figure fractions) of the per-pair
# coda figures: what a constrained or tight layout gave them, without its extra drawing
# pass. The legends sit right of the axes, the coda-fit sentences below them.
ENVELOPES_RECT = (0.055, 0.08, 0.847, 0.874)
CODA_FIT_RECT = (0.049, 0.235, 0.761, 0.722)
CODA_VESPAGRAM_RECT = (0.058, 0.097, 0.742, 0.8)
CODA_VESPAGRAM_CBAR = (0.846, 0.097, 0.0225, 0.8)


def _num(v) -> float:
    """A float for formatting: None (NaN after a JSON round trip) becomes NaN."""
    return np.nan if v is None else float(v)


def _title(arrays, what, synthetic):
    m = arrays.get("meta", {})
    t = f"{what}: {m.get('array', '?')} {m.get('event_id', '?')} {m.get('band_label', '')}"
    return ("[synthetic] " + t) if synthetic else t


def _fit_ylim(ax, floor: float = -3.5) -> None:
    """Log-envelope axis from just below the lowest curve drawn (not below ``floor``) to 0.3."""
    ys = [np.asarray(ln.get_ydata(), float) for ln in ax.lines]
    low = min((float(np.nanmin(y)) for y in ys if np.isfinite(y).any()), default=floor)
    ax.set_ylim(max(floor, np.floor(low * 4) / 4 - 0.1), 0.3)


def cell_edges(centres) -> tuple[float, float]:
    """First and last cell edge of a regular grid of cell ``centres`` (one cell: +-0.5)."""
    c = np.asarray(centres, float)
    half = 0.5 * (c[-1] - c[0]) / (c.size - 1) if c.size > 1 else 0.5
    return float(c[0] - half), float(c[-1] + half)


def _window(cur, key):
    mask = np.asarray(cur[key], bool)
    t = np.asarray(cur["t"])
    return (t[mask].min(), t[mask].max()) if mask.any() else None


def plot_phase_envelopes(arrays: dict, path, synthetic: bool = False, xlim=(-70.0, 160.0)):
    """(a) Normalised log envelope beams of all phases overlaid, time relative to each phase.

    Raises
    ------
    ValueError
        When ``arrays`` holds no phase curves.
    """
    phases = arrays.get("phases") or {}
    if not phases:
        raise ValueError("no phase envelopes to plot (all phases failed QC?)")
    fig = Figure(figsize=(9, 4.5))
    ax = fig.add_axes(ENVELOPES_RECT)
    for ph, cur in phases.items():
        t = np.asarray(cur["t"])
        m = (t >= xlim[0]) & (t <= xlim[1])
        ax.plot(t[m], np.asarray(cur["log10_env"])[m], lw=0.9, color=_COLORS.get(ph), label=ph)
    ax.axvline(0.0, color="k", lw=0.6, ls=":")
    ax.set_xlim(*xlim)
    _fit_ylim(ax)
    ax.set_xlabel("time relative to theoretical phase arrival (s)")
    ax.set_ylabel("log10 envelope / phase peak")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.set_title(_title(arrays, "Envelope beams", synthetic), fontsize=10, y=TITLE_Y)
    flat_ticks(fig)
    save_figure(fig, path)
    return fig


def plot_coda_fit(arrays: dict, path, phase: str | None = None, synthetic: bool = False):
    """(b) One phase's envelope with the background reference, coda window and the numbers.

    The raw envelope beam (no floor) is drawn with the pre-phase trend, its
    extrapolation, the noise level (a line) and the reference ``max(trend,
    noise)`` the coda excess is measured against; windows masked around
    predicted arrivals (depth phases, ...) are shaded and named. Decay and
    duration are printed with units or the reason they are missing; the
    significance is a sentence. ``phase`` defaults to the main phase in
    ``arrays["meta"]``.
    """
    phase = phase or arrays.get("meta", {}).get("main_phase", "PKiKP")
    cur = (arrays.get("phases") or {}).get(phase)
    if cur is None:
        raise ValueError(f"no envelope for phase {phase!r} to plot")
    t = np.asarray(cur["t"])
    pre, coda = cur["prephase_window_s"], cur["coda_window_s"]
    lo, hi = pre[0] - 15.0, coda[1] + 15.0
    m = (t >= lo) & (t <= hi)
    fig = Figure(figsize=(10, 4.8))
    ax = fig.add_axes(CODA_FIT_RECT)
    ax.plot(t[m], np.asarray(cur["log10_env"])[m], color="0.6", lw=0.6, label="envelope beam")
    sm = np.asarray(cur["log10_env_smooth"])
    ax.plot(t[m], sm[m], color=_COLORS.get(phase, "k"), lw=1.2, label="smoothed in windows")
    _background_lines(ax, t, cur, pre, coda)
    _masked_spans(ax, cur, lo, hi)
    ax.axvspan(pre[0], pre[1], color="tab:blue", alpha=0.07, label="pre-phase window")
    ax.axvspan(coda[0], coda[1], color="tab:red", alpha=0.07, label="coda window")
    ax.set_xlim(lo, hi)
    env = np.asarray(cur["log10_env"])[m]
    bottom = np.nanpercentile(env, 1) - 0.3 if np.isfinite(env).any() else -4.0
    ax.set_ylim(bottom=bottom, top=0.3)
    ax.set_xlabel(f"time relative to theoretical {phase} (s)")
    ax.set_ylabel("log10 envelope / phase peak")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    conf = arrays.get("meta", {}).get("confidence", 0.95)
    ax.set_title(_title(arrays, f"{phase} coda", synthetic), fontsize=10, y=TITLE_Y)
    fig.text(0.01, 0.0, coda_summary(cur, conf), fontsize=7.5, va="bottom", ha="left")
    flat_ticks(fig)
    save_figure(fig, path)
    return fig


def _background_lines(ax, t, cur, pre, coda) -> None:
    """Trend fit, extrapolation, noise level and the reference of the excess."""
    tr = np.asarray(cur["log10_trend"])
    fit = (t >= pre[0]) & (t <= pre[1])
    ext = (t > pre[1]) & (t <= coda[1])
    ax.plot(t[fit], tr[fit], "k-", lw=1.4, label="pre-phase trend fit")
    ax.plot(t[ext], tr[ext], "k--", lw=1.0, label="trend extrapolated")
    if "log10_reference" in cur:
        ref = np.asarray(cur["log10_reference"])
        ax.plot(t[ext], ref[ext], color="tab:purple", lw=1.4, label="reference max(trend, noise)")
    nl = _num(cur.get("log10_noise_level"))
    if np.isfinite(nl):
        ax.axhline(nl, color="tab:orange", lw=1.0, ls=":", label="pre-event noise level")
    dt_ = np.asarray(cur.get("decay_fit_t", []))
    if dt_.size:
        ax.plot(dt_, np.asarray(cur["decay_fit_log10"]), "m-", lw=1.2, label="coda decay fit")


def _masked_spans(ax, cur, lo, hi) -> None:
    """Shade and name the windows masked around predicted arrivals."""
    first = True
    for name, m0, m1 in cur.get("masked_phases") or []:
        if m1 < lo or m0 > hi:
            continue
        ax.axvspan(
            m0,
            m1,
            color="0.4",
            alpha=0.25,
            lw=0,
            label="masked predicted arrival" if first else None,
        )
        ax.text(
            0.5 * (m0 + m1),
            0.98,
            name,
            transform=ax.get_xaxis_transform(),
            rotation=90,
            ha="center",
            va="top",
            fontsize=6.5,
            color="0.2",
        )
        first = False


def coda_summary(cur: dict, confidence: float = 0.95) -> str:
    """The numbers of one phase's coda as plain sentences (units, or why they are missing)."""
    exc = _num(cur.get("coda_excess"))
    lo, hi = _num(cur.get("coda_excess_lo")), _num(cur.get("coda_excess_hi"))
    p, thr = _num(cur.get("coda_p_value")), _num(cur.get("coda_threshold"))
    nnull = cur.get("null_windows") or 0
    lines = []
    if np.isfinite(exc):
        ci = f" ({confidence:.0%} interval {lo:.2f} to {hi:.2f})" if np.isfinite(lo) else ""
        unm = _num(cur.get("coda_excess_unmasked"))
        unm_txt = f"; {unm:.2f} without masking predicted arrivals" if np.isfinite(unm) else ""
        lines.append(f"Coda energy is {exc:.2f} times the background{ci}{unm_txt}.")
    else:
        lines.append(f"Coda excess not measured: {cur.get('excess_reason') or 'no reason given'}.")
    if cur.get("coda_significant"):
        lines.append(
            f"The coda is significant: only a fraction {p:.3f} of {nnull} coda-free windows of "
            f"this record reach this excess (threshold {thr:.2f})."
        )
    elif np.isfinite(p):
        why = cur.get("significance_reason") or ""
        lines.append(
            f"The coda is not significant: a fraction {p:.3f} of {nnull} coda-free windows of "
            f"this record reach this excess"
            + (f" ({why})." if why else f" (threshold {thr:.2f}).")
        )
    else:
        lines.append(f"Significance not assessed: {cur.get('significance_reason') or 'no null'}.")
    lines.append(_shape_sentence(cur))
    return "\n".join(lines)


def _shape_sentence(cur: dict) -> str:
    """Duration and decay with units, or the reason each is missing."""
    dur = _num(cur.get("duration_s"))
    if np.isfinite(dur):
        cens = (
            " (still above background at the window end)" if cur.get("duration_censored") else ""
        )
        d_txt = f"Duration {dur:.1f} s after the phase{cens}"
        if not cur.get("coda_detected", True):
            d_txt = f"No coda detected (the main pulse lasts {dur:.1f} s){cens}"
    else:
        d_txt = f"Duration not measured ({cur.get('duration_reason') or 'no reason given'})"
    b = _num(cur.get("decay_rate_per_s"))
    if np.isfinite(b):
        qc = _num(cur.get("coda_qc"))
        q_txt = f", Qc {qc:.0f}" if np.isfinite(qc) else ""
        b_txt = f"decay rate {b:.4f} 1/s{q_txt}."
    else:
        b_txt = f"decay not measured ({cur.get('decay_reason') or 'no reason given'})."
    return f"{d_txt}; {b_txt}"


def _overlay_curves(ax, curves, phase: str, xlim=(-30.0, 160.0)) -> int:
    """Plot one phase's smoothed log envelopes of ``(label, arrays)`` pairs on ``ax``.

    Records without a curve for ``phase`` are skipped; returns how many were drawn.
    """
    n = 0
    for label, arrays in curves:
        cur = (arrays.get("phases") or {}).get(phase)
        if cur is None:
            continue
        t = np.asarray(cur["t"])
        m = (t >= xlim[0]) & (t <= xlim[1])
        ax.plot(
            t[m],
            np.asarray(cur["log10_env_smooth"])[m],
            lw=1.0,
            label=f"{label} (excess {_num(cur.get('coda_excess')):.2f})",
        )
        n += 1
    return n


def plot_overlay_panels(panels, phase: str, band_name: str, path, synthetic: bool = False):
    """Panels of overlaid, normalised log envelope beams of one phase.

    ``panels`` is a list of ``(title, [(label, coda_arrays), ...])`` where
    ``coda_arrays`` is the per-band dict of :func:`corephase.analysis.coda.analyse_coda`.
    Time is relative to the phase's theoretical arrival; each curve is
    normalised at the phase peak. With no panel, the figure says so.
    """
    n = max(len(panels), 1)
    ncol = min(n, 3)
    nrow = int(np.ceil(n / ncol))
    fig = Figure(figsize=(4.6 * ncol, 3.2 * nrow + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()
    if not panels:
        axes[0].axis("off")
        axes[0].text(0.5, 0.5, "no group with two or more records", ha="center", va="center")
    for ax, (title, curves) in zip(axes[: len(panels)], panels, strict=True):
        drawn = _overlay_curves(ax, curves, phase)
        ax.axvline(0, color="k", lw=0.6, ls=":")
        _fit_ylim(ax)
        ax.set_title(title, fontsize=8)
        ax.set_xlabel(f"time after {phase} (s)")
        ax.set_ylabel("log10 envelope / phase peak")
        if drawn:
            ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.25), frameon=False)
        else:  # every record of the group lacks this phase's envelope beam
            ax.text(0.5, 0.5, f"no {phase} envelope beam", transform=ax.transAxes, ha="center")
    for ax in axes[len(panels) :]:
        if panels:
            ax.axis("off")
    syn = "SYNTHETIC  " if synthetic else ""
    fig.suptitle(
        f"{syn}{phase} coda comparison, {band_name} (gaps: predicted arrivals masked)",
        fontsize=10,
    )
    save_figure(fig, path)


def plot_cluster_overlay(
    arrays_list,
    path,
    labels=None,
    phase: str | None = None,
    synthetic: bool = False,
    xlim=(-30.0, 160.0),
):
    """(c) One phase's envelope beams for the events of one cluster at one array.

    ``arrays_list`` holds one ``arrays`` dict per event; ``labels`` defaults to
    the event ids. Events without a curve for the phase are skipped; at least
    one is needed.
    """
    arrays_list = list(arrays_list)
    if not arrays_list:
        raise ValueError("no events to overlay")
    labels = (
        list(labels)
        if labels is not None
        else [a.get("meta", {}).get("event_id", str(i)) for i, a in enumerate(arrays_list)]
    )
    phase = phase or arrays_list[0].get("meta", {}).get("main_phase", "PKiKP")
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.add_subplot(111)
    n = _overlay_curves(ax, zip(labels, arrays_list, strict=False), phase, xlim)
    if n == 0:
        raise ValueError(f"none of the events has a {phase} envelope")
    ax.axvline(0.0, color="k", lw=0.6, ls=":")
    ax.set_xlim(*xlim)
    _fit_ylim(ax)
    ax.set_xlabel(f"time relative to theoretical {phase} (s)")
    ax.set_ylabel("log10 smoothed envelope / phase peak")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    m0 = arrays_list[0].get("meta", {})
    t = f"{phase} cluster overlay: {m0.get('array', '?')} {m0.get('band_label', '')}, {n} events"
    ax.set_title(("[synthetic] " + t) if synthetic else t, fontsize=10)
    save_figure(fig, path)
    return fig


def plot_coda_vespagram(arrays: dict, path, synthetic: bool = False):
    """(d) Coda-window vespagram (normalised log10 beam power vs slowness and time)."""
    v = arrays.get("vespagram")
    if not v:
        raise ValueError("no vespagram to plot")
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_axes(CODA_VESPAGRAM_RECT)
    s = np.asarray(v["slowness_s_deg"])
    t = np.asarray(v["t"])
    im = ax.imshow(
        np.asarray(v["log10_power"]),
        aspect="auto",
        origin="lower",
        extent=(*cell_edges(t), *cell_edges(s)),
        vmin=-3,
        vmax=0,
        cmap=SEQUENTIAL_CMAP,
    )
    fig.colorbar(im, cax=fig.add_axes(CODA_VESPAGRAM_CBAR), label="log10 normalised beam power")
    thr = v.get("pkikp_like_max_s_deg", 2.0)
    ax.axhline(thr, color="w", lw=1.0, ls="--")
    ax.set_xlabel("time relative to theoretical main phase (s)")
    ax.set_ylabel("slowness (s/deg)")
    frac = v.get("coda_slowness_fraction", np.nan)
    ax.set_title(
        _title(arrays, "Coda vespagram", synthetic)
        + f"\n{frac:.0%} of the coda power at slowness <= {thr:g} s/deg (below the dashed line)",
        fontsize=9,
        y=TITLE_Y,
    )
    flat_ticks(fig)
    save_figure(fig, path)
    return fig
