"""Event clustering: exact grouping on both thresholds, single linkage, scipy reference."""

from __future__ import annotations

import numpy as np
import pytest
from obspy.geodetics import locations2degrees
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from corephase.analysis.clustering import cluster_events, cluster_table, neighbour_matrix
from corephase.model.events import Event


def ev(i, lat, lon, dep):
    return Event(f"e{i}", "2020-01-01T00:00:00", lat, lon, dep)


def test_groups_exactly_events_within_thresholds():
    events = [
        ev(0, 50.0, 150.0, 500.0),
        ev(1, 50.5, 150.0, 510.0),  # 0.5 deg, 10 km from e0: same cluster
        ev(2, 50.0, 150.0, 540.0),  # same epicentre, 40 km deeper than e0, 30 than e1: apart
        ev(3, 50.0, 151.6, 500.0),  # ~1.03 deg east of e0: just beyond 1 deg
        ev(4, 10.0, 10.0, 10.0),  # far away
        ev(5, 50.0, 151.5, 515.0),  # ~0.96 deg from e0, 15 km: joins e0; 0.06 deg from e3
    ]
    assert locations2degrees(50, 150, 50, 151.6) > 1.0
    assert locations2degrees(50, 150, 50, 151.5) < 1.0
    ids = cluster_events(events, 1.0, 20.0)
    # e3 joins through e5 (single linkage), e2 and e4 alone
    assert ids == [0, 0, 1, 0, 2, 0]
    # 12 km depth threshold: e1 (10 km) stays with e0; e5 is 15 km from both e0
    # and e3, so the chain breaks and e3, e5 are single
    assert cluster_events(events, 1.0, 12.0) == [0, 0, 1, 2, 3, 4]
    # without the chain member the far member is alone
    assert cluster_events([events[0], events[3]], 1.0, 20.0) == [0, 1]


def test_dicts_and_empty():
    d = [
        {"latitude": 0, "longitude": 0, "depth_km": 10},
        {"latitude": 0, "longitude": 0.5, "depth_km": 25},
    ]
    assert cluster_events(d, 1.0, 20.0) == [0, 0]
    assert cluster_events(d, 1.0, 10.0) == [0, 1]
    assert cluster_events([]) == []
    with pytest.raises(ValueError, match="latitude"):
        cluster_events([{"lat": 1}])
    with pytest.raises(ValueError, match=">= 0"):
        cluster_events(d, -1.0)


def test_matches_scipy_single_linkage_on_random_catalogue():
    rng = np.random.default_rng(3)
    n = 60
    lat = rng.uniform(40, 44, n)
    lon = rng.uniform(140, 145, n)
    dep = rng.uniform(0, 120, n)
    events = [ev(i, a, b, c) for i, (a, b, c) in enumerate(zip(lat, lon, dep, strict=False))]
    dmax, zmax = 0.7, 15.0
    ids = np.array(cluster_events(events, dmax, zmax))
    # reference: both thresholds <=> Chebyshev distance of scaled metrics <= 1
    d = np.array(
        [
            [locations2degrees(a1, b1, a2, b2) for a2, b2 in zip(lat, lon, strict=False)]
            for a1, b1 in zip(lat, lon, strict=False)
        ]
    )
    cheb = np.maximum(d / dmax, np.abs(dep[:, None] - dep[None, :]) / zmax)
    np.fill_diagonal(cheb, 0.0)
    ref = fcluster(linkage(squareform(cheb, checks=False), "single"), 1.0, "distance")
    # same partition (labels may differ)
    same = ids[:, None] == ids[None, :]
    same_ref = ref[:, None] == ref[None, :]
    np.testing.assert_array_equal(same, same_ref)
    assert 1 < len(set(ids)) < n  # the case is not trivial
    assert neighbour_matrix(events, dmax, zmax).diagonal().all()
    tab = cluster_table(events, dmax, zmax)
    assert list(tab["cluster"]) == list(ids)
    assert (tab.groupby("cluster").size() == tab.groupby("cluster")["cluster_size"].first()).all()
