"""Array response of a layout: main-lobe widths and sidelobe level (slowness domain)."""

from __future__ import annotations

import numpy as np

from corephase.model.geometry import KM_PER_DEG
from corephase.signal.response import arf_slowness


def arf_metrics(
    east_km,
    north_km,
    slowness_s_km: float,
    baz_deg: float,
    freqs_hz,
    smax_s_deg: float = 12.0,
    n_dir: int = 90,
    n_rad: int = 160,
) -> dict:
    """Main-lobe widths and sidelobe level of the array response.

    The response (:func:`arf_slowness`) is evaluated on ``n_dir`` rays from
    the origin. On each ray the main lobe ends at the first local minimum;
    the half-power radius is interpolated where the response falls below 0.5.

    Returns
    -------
    dict
        ``slow_res_s_deg``: full half-power width along the back-azimuth
        (s/deg); ``baz_res_deg``: full half-power width across it,
        converted to back-azimuth at ``slowness_s_km`` (degrees);
        ``sidelobe``: highest response outside the main lobe within
        ``smax_s_deg`` (NaN if the main lobe is not closed there).
    """
    x = np.asarray(east_km, float)
    y = np.asarray(north_km, float)
    ap = max(np.max(np.hypot(x[:, None] - x, y[:, None] - y)), 1e-3)
    fmin = float(np.min(np.atleast_1d(freqs_hz)))
    smax = smax_s_deg / KM_PER_DEG
    rmax = max(smax, 4.0 / (fmin * ap))
    b = np.radians(baz_deg)
    phi = b + 2.0 * np.pi * np.arange(n_dir) / n_dir  # ray 0 along the baz, n_dir/4 across
    r = np.linspace(0.0, rmax, n_rad)
    sx = np.sin(phi)[:, None] * r
    sy = np.cos(phi)[:, None] * r
    prof = arf_slowness(x, y, sx, sy, freqs_hz)  # (n_dir, n_rad)
    d = np.diff(prof, axis=1)
    rising = d > 0
    first_min = np.where(rising.any(axis=1), rising.argmax(axis=1), n_rad - 1)

    def half_radius(k):
        p = prof[k]
        below = np.flatnonzero(p < 0.5)
        if below.size == 0:
            return np.nan
        j = below[0]
        return r[j - 1] + (0.5 - p[j - 1]) * (r[j] - r[j - 1]) / (p[j] - p[j - 1])

    rh_along = half_radius(0)
    rh_across = half_radius(n_dir // 4)
    inside = r[None, :] <= smax
    beyond = np.arange(n_rad)[None, :] > first_min[:, None]
    closed = np.all(r[first_min] < smax)
    side = prof[beyond & inside]
    sidelobe = float(side.max()) if closed and side.size else np.nan
    s_t = max(slowness_s_km, 1e-9)
    return {
        "slow_res_s_deg": 2.0 * rh_along * KM_PER_DEG,
        "baz_res_deg": float(2.0 * np.degrees(np.arctan2(rh_across, s_t))),
        "sidelobe": sidelobe,
    }
