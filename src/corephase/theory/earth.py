"""Radial Earth profiles for amplitude predictions: velocities, density and Q.

Velocities and density come from the TauP model ObsPy ships (the same model the
travel times use: :func:`corephase.model.traveltimes.tau_model`). Those model files
carry no attenuation (ObsPy fills Qp = 1000, Qs = 2000), so Qp is read from ObsPy's
``.nd`` files instead: ``ak135f_no_mud.nd`` (ak135-F, Montagner & Kennett 1996, GJI 125,
229-248) for ak135 and iasp91 (iasp91 has no Q model of its own), and ``prem.nd``
(Dziewonski & Anderson 1981, PEPI 25, 297-356) for PREM. Depths in km, velocities in
km/s, density in g/cm^3, radii in km.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from corephase.model.traveltimes import tau_model

#: ObsPy ``.nd`` file whose Qp each model uses.
Q_SOURCE = {"ak135": "ak135f_no_mud.nd", "iasp91": "ak135f_no_mud.nd", "prem": "prem.nd"}


@dataclass(frozen=True)
class Medium:
    """Elastic properties on one side of an interface (km/s, g/cm^3).

    Fields may be arrays (one medium per element, broadcast against the slowness).
    """

    vp: float
    vs: float
    rho: float

    @property
    def liquid(self) -> bool:
        """True when the shear velocity is zero (everywhere, for array-valued media)."""
        return bool(np.all(np.asarray(self.vs) == 0.0))


@dataclass(frozen=True)
class Interfaces:
    """Media above and below the CMB and the ICB of one model, and their depths (km)."""

    mantle: Medium
    outer_core_top: Medium
    outer_core_bottom: Medium
    inner_core: Medium
    cmb_depth_km: float
    icb_depth_km: float


def _layer_values(layers, depth_km, top: str, bot: str, below: bool) -> np.ndarray:
    """Linear interpolation of a layer property; at a discontinuity, the side asked for."""
    d = np.atleast_1d(np.asarray(depth_km, float))
    if below:
        i = np.searchsorted(layers["top_depth"], d, side="right") - 1
    else:
        i = np.searchsorted(layers["bot_depth"], d, side="left")
    lay = layers[np.clip(i, 0, len(layers) - 1)]
    h = np.where(lay["bot_depth"] > lay["top_depth"], lay["bot_depth"] - lay["top_depth"], 1.0)
    w = np.clip((d - lay["top_depth"]) / h, 0.0, 1.0)
    return lay[top] + w * (lay[bot] - lay[top])


@lru_cache(maxsize=4)
def _q_layers(model: str) -> np.ndarray:
    """Qp layers (top/bot depth, top/bot Qp) of the ``.nd`` file in :data:`Q_SOURCE`.

    Parsed here because ObsPy's reader ignores the Q columns of ``.nd`` files.
    """
    taup_dir = importlib.util.find_spec("obspy.taup").submodule_search_locations[0]
    path = Path(taup_dir) / "data" / Q_SOURCE[model]
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 5 and all(re.fullmatch(r"[-+0-9.eE]+", x) for x in parts[:5]):
            rows.append((float(parts[0]), float(parts[4])))
    rows = np.array(rows)
    keep = np.diff(rows[:, 0]) > 0
    out = np.zeros(int(keep.sum()), dtype=[(k, float) for k in _Q_FIELDS])
    out["top_depth"], out["bot_depth"] = rows[:-1][keep, 0], rows[1:][keep, 0]
    out["top_qp"], out["bot_qp"] = rows[:-1][keep, 1], rows[1:][keep, 1]
    return out


_Q_FIELDS = ("top_depth", "bot_depth", "top_qp", "bot_qp")


def _layers(model: str):
    return tau_model(model).s_mod.v_mod.layers


def profile(model: str, depth_km, below: bool = False) -> dict[str, np.ndarray]:
    """``vp``, ``vs`` (km/s), ``rho`` (g/cm^3) and ``qp`` at ``depth_km``.

    ``below`` picks the values just below a discontinuity at that depth (default:
    just above). Qp follows :data:`Q_SOURCE`.
    """
    if model not in Q_SOURCE:
        raise ValueError(f"no Q model for {model!r}; use one of {sorted(Q_SOURCE)}")
    lay, qlay = _layers(model), _q_layers(model)
    return {
        "vp": _layer_values(lay, depth_km, "top_p_velocity", "bot_p_velocity", below),
        "vs": _layer_values(lay, depth_km, "top_s_velocity", "bot_s_velocity", below),
        "rho": _layer_values(lay, depth_km, "top_density", "bot_density", below),
        "qp": _layer_values(qlay, depth_km, "top_qp", "bot_qp", below),
    }


def _medium(model: str, depth_km: float, below: bool) -> Medium:
    p = profile(model, depth_km, below)
    return Medium(float(p["vp"][0]), float(p["vs"][0]), float(p["rho"][0]))


@lru_cache(maxsize=8)
def interfaces(model: str = "ak135") -> Interfaces:
    """Elastic media on both sides of the CMB and the ICB of ``model``."""
    m = tau_model(model)
    cmb, icb = float(m.cmb_depth), float(m.iocb_depth)
    return Interfaces(
        mantle=_medium(model, cmb, below=False),
        outer_core_top=_medium(model, cmb, below=True),
        outer_core_bottom=_medium(model, icb, below=False),
        inner_core=_medium(model, icb, below=True),
        cmb_depth_km=cmb,
        icb_depth_km=icb,
    )
