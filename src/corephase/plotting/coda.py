"""Figures of the coda analysis (matplotlib Figure objects, Agg, no pyplot state).

All functions take the ``arrays`` dict returned by
:func:`corephase.analysis.coda.analyse_coda` (or loaded with
:func:`corephase.analysis.coda.load_coda_arrays`) and write a figure with
:func:`corephase.plotting.style.save_figure`. Times are seconds relative to
each phase's theoretical arrival; amplitudes are log10 of the noise-corrected
envelope normalised at the phase peak. Each function returns the
:class:`matplotlib.figure.Figure` it wrote.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from corephase.plotting.style import save_figure

_COLORS = {"PcP": "tab:blue", "ScP": "tab:green", "PKiKP": "tab:red"}


def _num(v) -> float:
    """A float for formatting: None (NaN after a JSON round trip) becomes NaN."""
    return np.nan if v is None else float(v)


def _title(arrays, what, synthetic):
    m = arrays.get("meta", {})
    t = f"{what}: {m.get('array', '?')} {m.get('event_id', '?')} {m.get('band_label', '')}"
    return ("[synthetic] " + t) if synthetic else t


def _window(cur, key):
    mask = np.asarray(cur[key], bool)
    t = np.asarray(cur["t"])
    return (t[mask].min(), t[mask].max()) if mask.any() else None


def plot_phase_envelopes(arrays: dict, path, synthetic: bool = False, xlim=(-70.0, 70.0)):
    """(a) Normalised log envelope beams of all phases overlaid, time relative to each phase.

    Raises
    ------
    ValueError
        When ``arrays`` holds no phase curves.
    """
    phases = arrays.get("phases") or {}
    if not phases:
        raise ValueError("no phase envelopes to plot (all phases failed QC?)")
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot(111)
    for ph, cur in phases.items():
        t = np.asarray(cur["t"])
        m = (t >= xlim[0]) & (t <= xlim[1])
        ax.plot(t[m], np.asarray(cur["log10_env"])[m], lw=0.9, color=_COLORS.get(ph), label=ph)
    ax.axvline(0.0, color="k", lw=0.6, ls=":")
    ax.set_xlim(*xlim)
    ax.set_ylim(bottom=-3.5, top=0.3)
    ax.set_xlabel("time relative to theoretical phase arrival (s)")
    ax.set_ylabel("log10 normalised envelope (noise-corrected)")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(_title(arrays, "Envelope beams", synthetic), fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
    return fig


def plot_coda_fit(arrays: dict, path, phase: str | None = None, synthetic: bool = False):
    """(b) One phase's envelope with pre-phase fit, extrapolation, coda window and excess.

    ``phase`` defaults to the main phase in ``arrays["meta"]``.
    """
    phase = phase or arrays.get("meta", {}).get("main_phase", "PKiKP")
    cur = (arrays.get("phases") or {}).get(phase)
    if cur is None:
        raise ValueError(f"no envelope for phase {phase!r} to plot")
    t = np.asarray(cur["t"])
    pre, coda = cur["prephase_window_s"], cur["coda_window_s"]
    lo, hi = pre[0] - 15.0, coda[1] + 15.0
    m = (t >= lo) & (t <= hi)
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot(111)
    ax.plot(t[m], np.asarray(cur["log10_env"])[m], color="0.5", lw=0.7, label="envelope")
    sm = np.asarray(cur["log10_env_smooth"])
    ax.plot(t[m], sm[m], color=_COLORS.get(phase, "k"), lw=1.2, label="smoothed")
    tr = np.asarray(cur["log10_trend"])
    fit = (t >= pre[0]) & (t <= pre[1])
    ext = (t > pre[1]) & (t <= coda[1])
    ax.plot(t[fit], tr[fit], "k-", lw=1.5, label="pre-phase trend fit")
    ax.plot(t[ext], tr[ext], "k--", lw=1.2, label="extrapolation")
    dt_ = np.asarray(cur.get("decay_fit_t", []))
    if dt_.size:
        ax.plot(dt_, np.asarray(cur["decay_fit_log10"]), "m-", lw=1.2, label="coda decay fit")
    nl = cur.get("log10_noise_level")
    if nl is not None and np.isfinite(nl):
        ax.axhline(nl, color="tab:orange", lw=0.8, ls=":", label="pre-event noise level")
    ax.axvspan(pre[0], pre[1], color="tab:blue", alpha=0.08, label="pre-phase window")
    ax.axvspan(coda[0], coda[1], color="tab:red", alpha=0.08, label="coda window")
    exc = _num(cur.get("coda_excess"))
    ci = [_num(v) for v in (cur.get("coda_excess_ci") or (None, None))]
    sig = cur.get("coda_significant", False)
    conf = arrays.get("meta", {}).get("confidence", 0.95)
    txt = (
        f"coda excess {exc:.2f} [{ci[0]:.2f}, {ci[1]:.2f}] ({conf:.0%} CI)\n"
        f"{'significant' if sig else 'not significant'} (lower bound > 1)\n"
        f"duration {_num(cur.get('duration_s')):.1f} s, "
        f"decay {_num(cur.get('decay_rate_per_s')):.3f} 1/s"
    )
    ax.text(
        0.99,
        0.97,
        txt,
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "0.7"},
    )
    ax.set_xlim(lo, hi)
    ax.set_ylim(
        bottom=max(np.nanmin(sm[m]) - 0.5, -5.0) if np.isfinite(sm[m]).any() else -4, top=0.3
    )
    ax.set_xlabel(f"time relative to theoretical {phase} (s)")
    ax.set_ylabel("log10 normalised envelope (noise-corrected)")
    ax.legend(loc="lower left", fontsize=7, ncol=2)
    ax.set_title(_title(arrays, f"{phase} coda", synthetic), fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
    return fig


def _overlay_curves(ax, curves, phase: str, xlim=(-30.0, 70.0)) -> int:
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
        _overlay_curves(ax, curves, phase)
        ax.axvline(0, color="k", lw=0.6, ls=":")
        ax.set_ylim(-3.5, 0.3)
        ax.set_title(title, fontsize=8)
        ax.set_xlabel(f"time after {phase} (s)")
        ax.set_ylabel("log10 normalised envelope")
        ax.legend(fontsize=6, loc="upper right")
    for ax in axes[len(panels) :]:
        if panels:
            ax.axis("off")
    syn = "SYNTHETIC  " if synthetic else ""
    fig.suptitle(f"{syn}{phase} coda comparison, {band_name}", fontsize=10)
    save_figure(fig, path)


def plot_cluster_overlay(
    arrays_list,
    path,
    labels=None,
    phase: str | None = None,
    synthetic: bool = False,
    xlim=(-30.0, 70.0),
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
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot(111)
    n = _overlay_curves(ax, zip(labels, arrays_list, strict=False), phase, xlim)
    if n == 0:
        raise ValueError(f"none of the events has a {phase} envelope")
    ax.axvline(0.0, color="k", lw=0.6, ls=":")
    ax.set_xlim(*xlim)
    ax.set_ylim(-3.5, 0.3)
    ax.set_xlabel(f"time relative to theoretical {phase} (s)")
    ax.set_ylabel("log10 normalised envelope (smoothed)")
    ax.legend(loc="upper right", fontsize=7)
    m0 = arrays_list[0].get("meta", {})
    t = f"{phase} cluster overlay: {m0.get('array', '?')} {m0.get('band_label', '')}, {n} events"
    ax.set_title(("[synthetic] " + t) if synthetic else t, fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
    return fig


def plot_coda_vespagram(arrays: dict, path, synthetic: bool = False):
    """(d) Coda-window vespagram (normalised log10 beam power vs slowness and time)."""
    v = arrays.get("vespagram")
    if not v:
        raise ValueError("no vespagram to plot")
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot(111)
    s = np.asarray(v["slowness_s_deg"])
    t = np.asarray(v["t"])
    im = ax.pcolormesh(
        t, s, np.asarray(v["log10_power"]), shading="auto", vmin=-3, vmax=0, cmap="viridis"
    )
    fig.colorbar(im, ax=ax, label="log10 normalised beam power")
    thr = v.get("pkikp_like_max_s_deg", 2.0)
    ax.axhline(thr, color="w", lw=1.0, ls="--")
    ax.set_xlabel("time relative to theoretical main phase (s)")
    ax.set_ylabel("slowness (s/deg)")
    frac = v.get("coda_slowness_fraction", np.nan)
    ax.set_title(
        _title(arrays, f"Coda vespagram (fraction <= {thr:g} s/deg: {frac:.2f})", synthetic),
        fontsize=10,
    )
    fig.tight_layout()
    save_figure(fig, path)
    return fig
