"""Map layout helpers: labels that avoid each other, and regions derived from a study.

* :func:`place_labels` writes names next to points on a cartopy axes. Each
  label, in turn, takes the first of :data:`OFFSETS_PT` at which its text box,
  as the renderer measures it (:meth:`matplotlib.text.Text.get_window_extent`),
  stays inside the axes and overlaps no earlier label, no marker and no earlier
  leader line, and whose own leader line crosses no earlier label; labels moved
  beyond :data:`LEADER_PT` get a leader line. The order of the names and the
  offsets fix the result (deterministic).
* :func:`label_overlaps` counts overlapping label boxes on a drawn axes.
* :func:`map_view` chooses a regional view's projection and zoom (plate carree,
  or azimuthal equidistant for views wider than :data:`WIDE_VIEW_DEG`), and
  :func:`drawn_width` the panel size the figures are laid out with.
* :func:`study_regions` groups a study's events (single-linkage clustering of
  epicentres, :func:`scipy.cluster.hierarchy.fcluster`) into regional views:
  each view holds the events of one group and the arrays that recorded them.

Positions in degrees; label offsets in typographic points; boxes in display pixels.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: Offsets (points) from a point to its label tried first: right, left, above, below.
NEAR_OFFSETS_PT = (
    (6, 2),
    (6, -2),
    (-6, 2),
    (-6, -2),
    (0, 7),
    (0, -7),
    (12, 9),
    (-12, 9),
    (12, -9),
    (-12, -9),
)
#: Radii (points) of the rings of further offsets, each tried at 16 angles.
RING_RADII_PT = (24, 36, 50, 66, 84, 104)


def _ring_offsets() -> tuple:
    """Offsets on the rings of :data:`RING_RADII_PT`, upper right first, anticlockwise."""
    ang = np.radians(30.0 + 22.5 * np.arange(16))
    return tuple(
        (round(float(r * np.cos(a)), 1), round(float(r * np.sin(a)), 1))
        for r in RING_RADII_PT
        for a in ang
    )


#: Every offset (points) tried, in order; those beyond :data:`LEADER_PT` get a leader line.
OFFSETS_PT = NEAR_OFFSETS_PT + _ring_offsets()
LEADER_PT = 13.0
#: Leader line style (``shrinkB``: the line stops short of the marker, points).
LEADER_STYLE = {"arrowstyle": "-", "lw": 0.6, "color": "0.2", "shrinkA": 0, "shrinkB": 4}
#: Side (points) of the square a marker occupies; labels keep off it.
MARKER_PT = 10.0
#: Gap (pixels) kept between a label and anything else.
PAD_PX = 1.5


def angle_deg(lat1, lon1, lat2, lon2):
    """Great-circle angle (deg) between points given in degrees (broadcasts)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    c = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def boxes_overlap(a, b) -> bool:
    """Whether boxes ``(x0, y0, x1, y1)`` ``a`` and ``b`` share interior area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _segment_hits(p, q, box, n: int = 24) -> bool:
    """Whether the segment from ``p`` to ``q`` (pixels) passes through ``box``."""
    f = np.linspace(0.0, 1.0, n)[:, None]
    pts = np.asarray(p, float) * (1 - f) + np.asarray(q, float) * f
    return bool(
        np.any(
            (pts[:, 0] > box[0])
            & (pts[:, 0] < box[2])
            & (pts[:, 1] > box[1])
            & (pts[:, 1] < box[3])
        )
    )


def _centre(box) -> tuple[float, float]:
    """Centre of ``box``: matplotlib aims a leader line there and clips it at the box."""
    return (0.5 * (box[0] + box[2]), 0.5 * (box[1] + box[3]))


def _text_box(text, renderer) -> tuple:
    """Padded window extent (pixels) of an annotation's text alone (its arrow excluded)."""
    from matplotlib.text import Text

    text.update_positions(renderer)  # the offset's transform, as drawing sets it
    bb = Text.get_window_extent(text, renderer)
    return (bb.x0 - PAD_PX, bb.y0 - PAD_PX, bb.x1 + PAD_PX, bb.y1 + PAD_PX)


def _alignment(dx: float, dy: float) -> tuple[str, str]:
    ha = "center" if dx == 0 else ("right" if dx < 0 else "left")
    return ha, ("bottom" if dy >= 0 else "top")


class _Layout:
    """Boxes and leader lines placed so far on one axes (display pixels)."""

    def __init__(self, frame, markers):
        self.frame = frame
        self.markers = list(markers)
        self.labels: list[tuple] = []
        self.leaders: list[tuple] = []

    def conflicts(self, box, point, leader: bool) -> int:
        """Number of things a label box at ``box`` for ``point`` would collide with."""
        f = self.frame
        n = int(not (box[0] >= f[0] and box[1] >= f[1] and box[2] <= f[2] and box[3] <= f[3]))
        n += sum(boxes_overlap(box, b) for b in self.labels + self.markers)
        n += sum(_segment_hits(p, q, box) for p, q in self.leaders)
        if leader:
            n += sum(_segment_hits(point, _centre(box), b) for b in self.labels)
        return n

    def add(self, box, point, leader: bool) -> None:
        self.labels.append(box)
        if leader:
            self.leaders.append((tuple(point), _centre(box)))


def _marker_boxes(xy_px, px_per_pt: float) -> list[tuple]:
    half = 0.5 * MARKER_PT * px_per_pt
    return [(x - half, y - half, x + half, y + half) for x, y in np.reshape(xy_px, (-1, 2))]


def _best_offset(text, point, layout: _Layout, renderer):
    """First offset of :data:`OFFSETS_PT` without conflicts (else the one with fewest)."""
    best, best_n = None, None
    for dx, dy in OFFSETS_PT:
        text.set_position((dx, dy))
        text.set_horizontalalignment(_alignment(dx, dy)[0])
        text.set_verticalalignment(_alignment(dx, dy)[1])
        box = _text_box(text, renderer)
        n = layout.conflicts(box, point, np.hypot(dx, dy) > LEADER_PT)
        if best_n is None or n < best_n:
            best, best_n = ((dx, dy), box), n
        if n == 0:
            break
    return best, best_n


def place_labels(ax, lon, lat, names, *, obstacles=None, fontsize=7.0, zorder=9) -> list:
    """Write ``names`` at (``lon``, ``lat``) on a cartopy GeoAxes without overlaps.

    Labels are placed in the order given. Each avoids the other labels, the
    labelled markers and the ``obstacles`` (an optional (lon, lat) pair of
    arrays of other markers), stays inside the axes, and gets a leader line when
    moved beyond :data:`LEADER_PT`. The axes' extent and aspect must be final
    (call ``ax.apply_aspect()`` first). A label that finds no free place takes
    the one with the fewest collisions and a warning is logged.

    Returns
    -------
    list of matplotlib.text.Annotation
        One per name, with the offset used (points) as its ``xyann``.
    """
    import cartopy.crs as ccrs

    from corephase.plotting.style import agg_renderer

    renderer = agg_renderer(ax.figure)
    pc = ccrs.PlateCarree()

    def to_px(lo, la):
        p = ax.projection.transform_points(pc, np.asarray(lo, float), np.asarray(la, float))
        return ax.transData.transform(p[:, :2])

    xy = to_px(lon, lat)
    obs = to_px(*obstacles) if obstacles is not None and len(obstacles[0]) else np.empty((0, 2))
    px_per_pt = ax.figure.dpi / 72.0
    frame = ax.get_window_extent(renderer).extents
    layout = _Layout(frame, _marker_boxes(np.vstack([xy, obs]), px_per_pt))
    out = []
    for lo, la, point, name in zip(lon, lat, xy, names, strict=True):
        common = {"xy": (lo, la), "xycoords": pc._as_mpl_transform(ax), "fontsize": fontsize}
        probe = ax.annotate(str(name), xytext=(0, 0), textcoords="offset points", **common)
        ((dx, dy), box), n = _best_offset(probe, point, layout, renderer)
        probe.remove()
        if n:
            log.warning("map label %s overlaps %d other marks: no free place found", name, n)
        leader = bool(np.hypot(dx, dy) > LEADER_PT)
        ha, va = _alignment(dx, dy)
        out.append(
            ax.annotate(
                str(name),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                zorder=zorder,
                arrowprops=LEADER_STYLE if leader else None,
                **common,
            )
        )
        layout.add(box, point, leader)
    return out


def label_overlaps(ax, annotations) -> int:
    """Pairs of ``annotations`` whose text boxes (padded by :data:`PAD_PX`) overlap on ``ax``."""
    from corephase.plotting.style import agg_renderer

    renderer = agg_renderer(ax.figure)
    boxes = [_text_box(a, renderer) for a in annotations]
    return sum(
        boxes_overlap(boxes[i], boxes[j])
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
    )


#: Regional views wider than this (deg of longitude, margins included) are drawn in an
#: azimuthal equidistant projection centred on them instead of plate carree.
WIDE_VIEW_DEG = 100.0


def unwrap_lon(lon, centre):
    """Longitudes (deg) shifted by whole turns into [centre - 180, centre + 180)."""
    return (np.asarray(lon, float) - centre + 180.0) % 360.0 - 180.0 + centre


def circular_mean_lon(lon) -> float:
    """Mean direction (deg) of longitudes (deg) on the circle."""
    r = np.radians(np.asarray(lon, float))
    return float(np.degrees(np.arctan2(np.sin(r).mean(), np.cos(r).mean())))


def map_view(spec: dict, mt, ev, ar):
    """How a view is drawn: projection, extent, projected box and width/height.

    Returns ``(projection, extent, box, aspect)``: ``extent`` (lon0, lon1, lat0,
    lat1, deg) holds the events, arrays and bounce points with a margin (None
    for the global view); views wider than :data:`WIDE_VIEW_DEG` of longitude use
    an azimuthal equidistant projection centred on them, zoomed to ``box`` (x0,
    x1, y0, y1 in its metres), where a plate carree view would be a thin strip;
    ``box`` is None otherwise.
    """
    import cartopy.crs as ccrs

    if spec.get("global", False):
        return ccrs.Robinson(central_longitude=150.0), None, None, 2.0
    all_lon = np.concatenate([ev["event_lon"], ar["lon"], mt["bounce_lon"].dropna()])
    all_lat = np.concatenate([ev["event_lat"], ar["lat"], mt["bounce_lat"].dropna()])
    centre = circular_mean_lon(all_lon)
    lons = unwrap_lon(all_lon, centre)
    pad = 8.0  # room for the names
    extent = (
        float(lons.min() - pad),
        float(lons.max() + pad),
        float(max(all_lat.min() - pad, -89.0)),
        float(min(all_lat.max() + pad, 89.0)),
    )
    if extent[1] - extent[0] <= WIDE_VIEW_DEG:
        aspect = (extent[1] - extent[0]) / max(extent[3] - extent[2], 1.0)
        proj = ccrs.PlateCarree(central_longitude=centre)
        return proj, extent, None, float(np.clip(aspect, 0.5, 3.0))
    proj = ccrs.AzimuthalEquidistant(
        central_longitude=centre, central_latitude=float(np.mean(all_lat))
    )
    xy = proj.transform_points(ccrs.PlateCarree(), lons, all_lat)[:, :2]
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    m = 0.1 * max(x1 - x0, y1 - y0)
    box = (float(x0 - m), float(x1 + m), float(y0 - m), float(y1 + m))
    aspect = (box[1] - box[0]) / (box[3] - box[2])
    return proj, extent, box, float(np.clip(aspect, 0.5, 3.0))


#: Map figure margins (figure fractions), gap between panels (fraction of a panel's
#: width) and between rows of panels (in, room for two-line titles).
LEFT, RIGHT, WSPACE, ROW_GAP_IN = 0.06, 0.97, 0.15, 0.65


def drawn_width(panel_w: float, ncol: int) -> float:
    """Width (in) of each of ``ncol`` map panels in a figure ``panel_w * ncol`` wide."""
    return panel_w * ncol * (RIGHT - LEFT) / (ncol + WSPACE * (ncol - 1))


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
