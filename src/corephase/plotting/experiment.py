"""Figures of the sub-array experiment (matplotlib Agg, written atomically).

* :func:`plot_metric_grid`: a metric (SNR gain or detection probability)
  against the number of stations, one panel per layout family and target
  phase, one line per aperture (colour) and sub-array kind (solid:
  extracted from the real geometry, dashed: theoretical layout).
* :func:`plot_arf_best_worst`: station maps and array responses (slowness,
  s/deg) of the best and worst layouts of the first target phase.
* :func:`plot_roc`: ROC curves of the best and worst layouts per stack.
"""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from corephase.model.geometry import KM_PER_DEG
from corephase.plotting.style import OKABE_ITO, SEQUENTIAL_CMAP, new_figure, save_figure

_LABELS = {"snr_gain": "SNR gain", "pd": "detection probability"}

#: Line and marker of each sub-array kind: extracted from the real geometry vs theoretical.
MODE_STYLE = {
    "extracted": {"ls": "-", "marker": "o", "mfc": None, "lw": 1.3},
    "theoretical": {"ls": "--", "marker": "s", "mfc": "white", "lw": 0.9},
}


def _primary_stack(settings) -> str:
    return settings.metrics.stacks[0]


def _size_col(df):
    return (
        "aperture_requested_km"
        if df["aperture_requested_km"].notna().any()
        else ("spacing_requested_km")
    )


def plot_metric_grid(metrics, column: str, path, settings, title: str = "") -> None:
    """Metric against station count per layout family and phase (first configured stack).

    Parameters
    ----------
    metrics : pandas.DataFrame
        Table of :func:`corephase.experiment.run.run_experiment`.
    column : {"snr_gain", "pd"}
    path : path
        Image file (format from the suffix).
    settings : corephase.config.experiment.ExperimentSettings
    """
    stack = _primary_stack(settings)
    ok = metrics[(metrics["status"] == "ok") & (metrics["stack"] == stack)]
    phases = list(dict.fromkeys(t.phase for t in settings.targets))
    kinds = list(settings.layouts.kinds)
    fig = new_figure(2.6 * len(kinds) + 0.6, 2.3 * len(phases) + 1.2, layout="constrained")
    axes = fig.subplots(len(phases), len(kinds), squeeze=False, sharey=True)
    sizes = sorted(metrics[_size_col(metrics)].dropna().unique())
    colors = {s: OKABE_ITO[i % 7] for i, s in enumerate(sizes)}
    nmax = max(int(n) for n in settings.layouts.n_stations)
    for i, ph in enumerate(phases):
        for j, kind in enumerate(kinds):
            ax = axes[i, j]
            g = ok[(ok["phase"] == ph) & (ok["kind"] == kind)]
            for (mode, size), gg in g.groupby(["mode", _size_col(g)]):
                gg = gg.sort_values("n")
                st = MODE_STYLE.get(mode, MODE_STYLE["theoretical"])
                c = colors.get(size, "k")
                ax.plot(gg["n"], gg[column], color=c, ms=4, **{**st, "mfc": st["mfc"] or c})
            if column == "snr_gain":
                nn = np.linspace(2, nmax, 50)
                ax.plot(nn, np.sqrt(nn), color="0.6", lw=0.8)
            if column == "pd":
                ax.axhline(float(settings.metrics.target_pd), color="0.6", lw=0.8)
                ax.set_ylim(-0.03, 1.03)
            ax.set_title(f"{ph} {kind}")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if i == len(phases) - 1:
                ax.set_xlabel("stations N")
            if j == 0:
                ax.set_ylabel(f"{_LABELS.get(column, column)} ({stack})")
            if g.empty:
                ax.text(
                    0.5,
                    0.5,
                    "no feasible layout",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                )
    _grid_legend(fig, sizes, colors, metrics, column)
    fig.suptitle(f"{title}: {_LABELS.get(column, column)} vs N (pfa {settings.metrics.pfa})")
    save_figure(fig, path)


def _grid_legend(fig, sizes, colors, metrics, column) -> None:
    """One legend below the panels: a colour per size, a line style per sub-array kind."""
    unit = "aperture" if _size_col(metrics) == "aperture_requested_km" else "spacing"
    handles = [Line2D([], [], color=colors[s], lw=2) for s in sizes]
    labels = [f"{unit} {s:g} km" for s in sizes]
    for mode, st in MODE_STYLE.items():
        handles.append(Line2D([], [], color="0.3", ms=4, **{**st, "mfc": st["mfc"] or "0.3"}))
        labels.append(f"{mode} layout")
    if column == "snr_gain":
        handles.append(Line2D([], [], color="0.6", lw=0.8))
        labels.append("√N")
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 4))


def _best_worst(metrics, settings):
    stack = _primary_stack(settings)
    phase = settings.targets[0].phase
    ok = metrics[
        (metrics["status"] == "ok") & (metrics["stack"] == stack) & (metrics["phase"] == phase)
    ]
    if ok.empty:
        return phase, None, None
    srt = ok.sort_values(["pd", "snr_gain", "n"], ascending=[False, False, True])
    return phase, srt.iloc[0], srt.iloc[-1]


def plot_arf_best_worst(metrics, subs_by_phase, scenarios, settings, path) -> None:
    """Station maps and slowness ARFs of the best and worst layouts (first phase)."""
    from corephase.signal.response import array_response

    phase, best, worst = _best_worst(metrics, settings)
    fig = new_figure(7.2, 6.6, layout="constrained")
    axes = fig.subplots(2, 2, squeeze=False)
    if best is None:
        for ax in axes.ravel():
            ax.set_axis_off()
        fig.suptitle(f"{phase}: no feasible layout")
        save_figure(fig, path)
        return
    subs = {s.layout_id: s for s in subs_by_phase[phase]}
    sc = scenarios[phase]
    freqs = settings.metrics.arf_freqs_hz or [float(settings.simulation.wavelet_hz)]
    lim = 4.0 / KM_PER_DEG
    for row, (label, rec) in enumerate((("best", best), ("worst", worst))):
        sub = subs[rec["layout_id"]]
        x, y = sub.offsets_km()
        ax = axes[row, 0]
        ax.plot(
            sub.ideal_east_km, sub.ideal_north_km, "o", mfc="none", mec="0.6", ms=7, label="ideal"
        )
        ax.plot(x, y, "^", color="C3", ms=6, label="station")
        b = np.radians(sc.target.baz_deg)
        r = 0.6 * max(np.max(np.hypot(x, y)), 1e-3)
        ax.annotate(
            "",
            xy=(r * np.sin(b), r * np.cos(b)),
            xytext=(0, 0),
            arrowprops={"arrowstyle": "->", "color": "C0"},
        )
        ax.set_aspect("equal")
        ax.set_xlabel("east (km)")
        ax.set_ylabel("north (km)")
        ax.legend(fontsize=7, loc="lower right")
        ax.set_title(
            f"{label}: {rec['layout_id']}\nN={rec['n']} aperture {rec['aperture_km']:.0f} km, "
            f"pd {rec['pd']:.2f}, gain {rec['snr_gain']:.1f}",
        )
        gx, gy, arf = array_response(x, y, lim, lim / 60.0, freqs=freqs)
        ax = axes[row, 1]
        im = ax.pcolormesh(
            gx * KM_PER_DEG,
            gy * KM_PER_DEG,
            arf.T,
            vmin=0,
            vmax=1,
            cmap=SEQUENTIAL_CMAP,
            shading="auto",
            rasterized=True,
        )
        ax.set_aspect("equal")
        ax.set_xlabel("Δs east (s/deg)")
        ax.set_ylabel("Δs north (s/deg)")
        ax.set_title(
            f"ARF at {', '.join(f'{f:g}' for f in freqs)} Hz; half-power "
            f"{rec['slow_res_s_deg']:.2f} s/deg, sidelobe {rec['sidelobe']:.2f}",
        )
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle(f"{phase}: best and worst layouts ({_primary_stack(settings)} stack)")
    save_figure(fig, path)


def plot_roc(metrics, roc, path, settings) -> None:
    """ROC curves (pd against pfa) of the best and worst layouts, per stack."""
    phase, best, worst = _best_worst(metrics, settings)
    fig = new_figure(5.0, 3.8, layout="constrained")
    ax = fig.subplots()
    if best is not None:
        for ls, rec in (("-", best), (":", worst)):
            for i, k in enumerate(settings.metrics.stacks):
                g = roc[
                    (roc["phase"] == phase)
                    & (roc["layout_id"] == rec["layout_id"])
                    & (roc["stack"] == k)
                ].sort_values("pfa")
                ax.plot(g["pfa"], g["pd"], ls, color=f"C{i}", label=f"{k} {rec['layout_id']}")
    ax.plot([1e-3, 1], [1e-3, 1], color="0.7", lw=0.8)
    ax.axvline(float(settings.metrics.pfa), color="0.6", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlim(left=max(1.0 / int(settings.trials), 1e-3))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("false-alarm probability")
    ax.set_ylabel("detection probability")
    ax.set_title(f"{phase}: ROC of the best (solid) and worst (dotted) layouts")
    ax.legend(loc="lower right")
    save_figure(fig, path)
