"""Map layout: labels that avoid each other, regions derived from the study."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from corephase.plotting.map_layout import (
    LEADER_PT,
    MARKER_PT,
    OFFSETS_PT,
    boxes_overlap,
    event_groups,
    label_overlaps,
    place_labels,
)

# a crowded wide panel: the North American arrays (IMAR, ILAR and BCAR within 6 deg) and
# four invented ones packed around ILAR, with an event and bounce points as obstacles
CROWDED = {
    "IMAR": (65.985, -153.754),
    "ILAR": (64.771, -146.880),
    "BCAR": (63.063, -141.774),
    "YKA": (62.499, -114.674),
    "NVAR": (38.429, -118.281),
    "PDAR": (42.766, -109.563),
    "TXAR": (29.335, -103.673),
    "XAR1": (64.2, -148.5),
    "XAR2": (65.3, -145.0),
    "XAR3": (63.9, -144.1),
    "XAR4": (66.5, -149.9),
}
OBSTACLES = ([178.58, -150.2, -147.5, -152.0, -131.0], [51.95, 58.1, 60.3, 57.0, 50.0])


def _crowded_axes(width_in=7.2, height_in=2.6):
    import cartopy.crs as ccrs

    from corephase.plotting.style import new_figure

    fig = new_figure(width_in, height_in)
    ax = fig.add_axes((0.05, 0.05, 0.9, 0.9), projection=ccrs.PlateCarree(central_longitude=-150))
    ax.set_extent((165.0, 262.0, 26.0, 72.0), crs=ccrs.PlateCarree())
    lon = np.array([v[1] for v in CROWDED.values()])
    lat = np.array([v[0] for v in CROWDED.values()])
    ax.scatter(lon, lat, marker="^", s=55, transform=ccrs.PlateCarree())
    ax.scatter(*OBSTACLES, marker="*", s=120, transform=ccrs.PlateCarree())
    ax.apply_aspect()
    return fig, ax, lon, lat


def _rendered_boxes(fig, ax, labels, lon, lat):
    """Text boxes of the labels and marker boxes as the Agg renderer draws them (pixels)."""
    import cartopy.crs as ccrs
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    text = [Text.get_window_extent(a, renderer).extents for a in labels]
    pts = ax.projection.transform_points(ccrs.PlateCarree(), np.asarray(lon), np.asarray(lat))
    half = 0.5 * MARKER_PT * fig.dpi / 72.0
    marks = [
        (x - half, y - half, x + half, y + half) for x, y in ax.transData.transform(pts[:, :2])
    ]
    return text, marks, ax.get_window_extent(renderer).extents


def test_crowded_labels_never_overlap_each_other_or_markers_as_rendered():
    """Renderer window extents of the labels of a crowded wide panel: no two overlap, none
    covers a marker, all lie inside the axes; moved labels carry a leader line."""
    fig, ax, lon, lat = _crowded_axes()
    labels = place_labels(ax, lon, lat, list(CROWDED), obstacles=OBSTACLES)
    text, marks, frame = _rendered_boxes(
        fig, ax, labels, np.r_[lon, OBSTACLES[0]], np.r_[lat, OBSTACLES[1]]
    )
    for i in range(len(text)):
        for j in range(i + 1, len(text)):
            assert not boxes_overlap(text[i], text[j]), (
                labels[i].get_text(),
                labels[j].get_text(),
            )
        for k, m in enumerate(marks):
            assert not boxes_overlap(text[i], m), (labels[i].get_text(), k)
        assert frame[0] <= text[i][0] and text[i][2] <= frame[2]
        assert frame[1] <= text[i][1] and text[i][3] <= frame[3]
    assert label_overlaps(ax, labels) == 0
    far = [a for a in labels if np.hypot(*a.xyann) > LEADER_PT]
    assert far and all(a.arrow_patch is not None for a in far)
    assert all(a.arrow_patch is None for a in labels if a not in far)


def test_label_placement_is_deterministic():
    offsets = []
    for _ in range(2):
        _, ax, lon, lat = _crowded_axes()
        labels = place_labels(ax, lon, lat, list(CROWDED), obstacles=OBSTACLES)
        offsets.append([a.xyann for a in labels])
    assert offsets[0] == offsets[1]


def test_a_label_moves_off_a_marker():
    """A marker where the first offset would put the label pushes it elsewhere."""
    import cartopy.crs as ccrs

    from corephase.plotting.style import new_figure

    fig = new_figure(4.0, 3.0)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8), projection=ccrs.PlateCarree())
    ax.set_extent((-130, -100, 30, 50), crs=ccrs.PlateCarree())
    ax.apply_aspect()
    # a second marker just right of NVAR, where its first-choice label would go
    (nvar,) = place_labels(ax, [-118.3], [38.4], ["NVAR"], obstacles=([-117.0], [38.8]))
    assert tuple(nvar.xyann) != OFFSETS_PT[0]
    assert OFFSETS_PT[0] == (6, 2)


def test_event_groups_single_linkage():
    ev = pd.DataFrame(
        {
            "event_lat": [51.9, 52.5, -4.6, -4.7, -33.0],
            "event_lon": [178.6, 179.9, 153.2, 153.3, -72.0],
        },
        index=["a1", "a2", "nb1", "nb2", "chile"],
    )
    assert event_groups(ev, 20.0) == [["a1", "a2"], ["nb1", "nb2"], ["chile"]]
    assert event_groups(ev.iloc[:1], 20.0) == [["a1"]]
    assert event_groups(ev.iloc[:0], 20.0) == []


@pytest.fixture(scope="module")
def south_atlantic_catalogue():
    """A study far from the seed's regions: Chilean and Argentine events, African and
    European arrays (the seed's named views hold none of it)."""
    from plotting.test_maps import _catalogue_of

    events = {"chile-1": (-33.0, -72.0, 30.0), "argentina-deep": (-27.0, -63.0, 560.0)}
    arrays = {"BOSA": (-28.6, 25.3), "ESDC": (39.7, -3.9), "GERES": (48.8, 13.7)}
    return _catalogue_of(events, arrays)


def test_study_outside_the_seed_regions_gets_nonempty_regional_maps(
    south_atlantic_catalogue, tmp_path
):
    from corephase.plotting.maps import map_table, plot_regional_map, select_region

    cat = south_atlantic_catalogue
    mt = map_table(cat)
    assert select_region(mt, "australia").empty
    assert select_region(mt, "aleutian-north-america").empty
    out = tmp_path / "regional.png"
    rows = plot_regional_map(cat, out, coastline_dirs=[tmp_path], cluster_deg=20.0)
    assert len(rows) == 1  # the two South American events are 12 deg apart: one group
    (row,) = rows
    assert row["n_events"] == 2 and row["n_arrays"] == 3
    assert sum(row["n_bounce"].values()) > 0
    lat0, lat1 = row["extent"][2:]
    assert lat0 < -33 and lat1 > 48.8  # holds the events and the arrays
    img = imread(out)
    assert img.shape[0] > 300 and img[..., :3].std() > 0.05
