"""Map layout: labels that avoid each other, regions derived from the study."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from corephase.plotting.map_layout import (
    LEADER_PT,
    OFFSETS_PT,
    _box,
    event_groups,
    label_positions,
)


def test_labels_of_crowded_points_do_not_overlap():
    """Three arrays a few pixels apart (as IMAR, ILAR, BCAR at global scale) get free boxes."""
    xy = np.array([[100.0, 100.0], [108.0, 102.0], [116.0, 98.0]])
    names = ["IMAR", "ILAR", "BCAR"]
    px, fs = 100 / 72, 7.0
    offsets = label_positions(xy, names, px, fs)
    boxes = [
        _box(x, y, dx * px, dy * px, 0.6 * fs * len(n) * px, 1.15 * fs * px)
        for (x, y), n, (dx, dy) in zip(xy, names, offsets, strict=True)
    ]
    for i in range(3):
        for j in range(i + 1, 3):
            a, b = boxes[i], boxes[j]
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (i, j)


def test_a_label_moves_off_a_marker_and_gets_a_leader_when_far():
    """NVAR's default place is under the PDAR marker: it moves elsewhere."""
    px = 100 / 72
    default = OFFSETS_PT[0]
    marker = (50 + (default[0] + 6) * px, 50 + (default[1] + 3) * px)
    (off,) = label_positions([[50.0, 50.0]], ["NVAR"], px, 7.0, obstacles_px=[marker])
    assert off != default
    assert np.hypot(*OFFSETS_PT[-1]) > LEADER_PT  # far offsets exist (drawn with a leader)


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
