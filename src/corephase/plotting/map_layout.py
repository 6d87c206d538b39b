"""Map layout helpers: labels that avoid each other, and regions derived from a study.

* :func:`place_labels` writes names next to points on an axes, choosing for
  each the first of a list of offsets at which its text box overlaps neither
  an earlier label nor any marker; labels moved far from their point get a
  leader line.
* :func:`study_regions` groups a study's events (single-linkage clustering of
  epicentres, :func:`scipy.cluster.hierarchy.fcluster`) into regional views:
  each view holds the events of one group and the arrays that recorded them.

Positions in degrees; label offsets in typographic points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Offsets (points) of a label's lower-left corner from its point, tried in order;
#: those beyond :data:`LEADER_PT` get a leader line.
OFFSETS_PT = (
    (5, 4),
    (5, -11),
    (-5, 4),
    (-5, -11),
    (-2, 9),
    (-2, -17),
    (14, 14),
    (-14, 14),
    (14, -22),
    (-14, -22),
    (24, 0),
    (-24, 0),
    (0, 26),
    (0, -32),
    (30, 24),
    (-30, 24),
    (30, -32),
    (-30, -32),
)
LEADER_PT = 12.0


def angle_deg(lat1, lon1, lat2, lon2):
    """Great-circle angle (deg) between points given in degrees (broadcasts)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    c = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def _box(x, y, dx, dy, w, h):
    """Text box (x0, y0, x1, y1) in pixels; ``dx < 0`` puts the text left of the point."""
    x0 = x + dx - (w if dx < 0 else 0.0)
    return (x0, y + dy, x0 + w, y + dy + h)


def _overlaps(a, boxes) -> bool:
    return any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] for b in boxes)


def label_positions(xy_px, names, px_per_pt: float, fontsize: float, obstacles_px=()):
    """Offsets (points) of labels that avoid each other and the markers.

    Parameters
    ----------
    xy_px : array_like, shape (n, 2)
        Display positions (pixels) of the labelled points.
    names : sequence of str
        Label texts (width estimated as 0.6 ``fontsize`` per character).
    px_per_pt : float
        Pixels per point (``dpi / 72``).
    fontsize : float
        Font size in points.
    obstacles_px : array_like, shape (m, 2)
        Other markers (pixels) a label must not cover; every labelled point is one too.

    Returns
    -------
    list of (dx, dy)
        One offset per label from :data:`OFFSETS_PT`; when none is free, the one
        overlapping the fewest boxes.
    """
    xy = np.asarray(xy_px, float).reshape(-1, 2)
    half = 4.0 * px_per_pt
    marks = [(x - half, y - half, x + half, y + half) for x, y in xy]
    marks += [
        (x - half, y - half, x + half, y + half)
        for x, y in np.asarray(obstacles_px, float).reshape(-1, 2)
    ]
    placed, out = [], []
    h = 1.15 * fontsize * px_per_pt
    for (x, y), name in zip(xy, names, strict=True):
        w = 0.6 * fontsize * len(name) * px_per_pt
        best, best_n = OFFSETS_PT[0], None
        for dx, dy in OFFSETS_PT:
            b = _box(x, y, dx * px_per_pt, dy * px_per_pt, w, h)
            n = sum(_overlaps(b, [o]) for o in placed + marks)
            if best_n is None or n < best_n:
                best, best_n = (dx, dy), n
            if n == 0:
                break
        placed.append(_box(x, y, best[0] * px_per_pt, best[1] * px_per_pt, w, h))
        out.append(best)
    return out


def place_labels(ax, lon, lat, names, *, obstacles=None, fontsize=7.0, zorder=9) -> list:
    """Write ``names`` at (``lon``, ``lat``) on a cartopy GeoAxes without overlaps.

    ``obstacles`` is an optional (lon, lat) pair of arrays of other markers the
    labels must not cover. The axes' extent must be set first. Returns the
    offsets used (points), one per name.
    """
    import cartopy.crs as ccrs

    pc = ccrs.PlateCarree()

    def to_px(lo, la):
        p = ax.projection.transform_points(pc, np.asarray(lo, float), np.asarray(la, float))
        return ax.transData.transform(p[:, :2])

    xy = to_px(lon, lat)
    obs = to_px(*obstacles) if obstacles is not None and len(obstacles[0]) else ()
    offsets = label_positions(xy, names, ax.figure.dpi / 72.0, fontsize, obs)
    for lo, la, name, (dx, dy) in zip(lon, lat, names, offsets, strict=True):
        far = np.hypot(dx, dy) > LEADER_PT
        ax.annotate(
            str(name),
            xy=(lo, la),
            xycoords=pc._as_mpl_transform(ax),
            xytext=(dx, dy),
            textcoords="offset points",
            ha="right" if dx < 0 else "left",
            va="bottom",
            fontsize=fontsize,
            zorder=zorder,
            arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "0.35"} if far else None,
        )
    return offsets


def event_groups(events: pd.DataFrame, cluster_deg: float) -> list[list[str]]:
    """Events grouped by single-linkage clustering of epicentres within ``cluster_deg``.

    ``events`` has index = event id and columns ``event_lat``, ``event_lon``
    (deg). Groups are lists of event ids, in the order of their first event.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    ids = list(events.index)
    if len(ids) < 2:
        return [ids] if ids else []
    lat, lon = events["event_lat"].to_numpy(float), events["event_lon"].to_numpy(float)
    d = angle_deg(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    np.fill_diagonal(d, 0.0)
    labels = fcluster(linkage(squareform(d, checks=False), "single"), cluster_deg, "distance")
    groups: dict[int, list[str]] = {}
    for i, lab in zip(ids, labels, strict=True):
        groups.setdefault(int(lab), []).append(i)
    return list(groups.values())


def study_regions(mt: pd.DataFrame, cluster_deg: float = 20.0, max_panels: int = 4) -> list:
    """Regional views of a study: one per group of nearby events, largest groups first.

    Parameters
    ----------
    mt : DataFrame
        A :func:`corephase.plotting.maps.map_table`.
    cluster_deg : float
        Events within this distance (deg, single linkage) share a view.
    max_panels : int
        At most this many views (those with the most source-array pairs).

    Returns
    -------
    list of dict
        Region specs for :func:`corephase.plotting.maps.select_region`: ``name``
        (first event id and the number of others), ``events`` and ``arrays``
        (tuples of names), ``global`` False.
    """
    ev = mt.groupby("event", sort=True)[["event_lat", "event_lon"]].first()
    specs = []
    for ids in event_groups(ev, cluster_deg):
        sub = mt[mt["event"].isin(ids)]
        n_pairs = len(sub.drop_duplicates(["event", "array"]))
        name = ids[0] + (f" (+{len(ids) - 1} events)" if len(ids) > 1 else "")
        arrays = tuple(sorted(sub["array"].unique()))
        specs.append(
            {"name": name, "events": tuple(ids), "arrays": arrays, "global": False, "n": n_pairs}
        )
    specs.sort(key=lambda s: -s["n"])
    return specs[:max_panels]
