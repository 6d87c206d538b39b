"""Group nearby events so one array's coda can be compared across an event cluster.

Two events are *neighbours* when their epicentres are at most
``max_distance_deg`` apart (great-circle degrees on the sphere, ObsPy
``locations2degrees``) **and** their depths differ by at most
``max_depth_diff_km``. Clusters are the connected components of the neighbour
graph (single linkage): events can share a cluster through a chain of
neighbours even when the two ends of the chain are farther apart than the
thresholds. Cluster ids are integers 0, 1, ... numbered in order of each
cluster's first event in the input.
"""

from __future__ import annotations

import numpy as np
from obspy.geodetics import locations2degrees


def _coords(events):
    lat, lon, dep, ids = [], [], [], []
    for i, e in enumerate(events):
        get = e.get if isinstance(e, dict) else lambda k, e=e: getattr(e, k)
        try:
            lat.append(float(get("latitude")))
            lon.append(float(get("longitude")))
            dep.append(float(get("depth_km")))
        except (AttributeError, KeyError, TypeError) as exc:
            raise ValueError(
                f"event {i} lacks latitude/longitude/depth_km (an Event or a dict with these keys)"
            ) from exc
        ids.append(
            str(get("id")) if (isinstance(e, dict) and "id" in e) or hasattr(e, "id") else str(i)
        )
    lat, lon, dep = np.array(lat), np.array(lon), np.array(dep)
    if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon)) and np.all(np.isfinite(dep))):
        raise ValueError("event coordinates must be finite")
    return lat, lon, dep, ids


def neighbour_matrix(events, max_distance_deg: float = 1.0, max_depth_diff_km: float = 20.0):
    """Boolean matrix: events *i* and *j* within both thresholds (diagonal True).

    Parameters
    ----------
    events : sequence of corephase.model.events.Event or dict
        Objects with ``latitude``, ``longitude`` (degrees) and ``depth_km``.
    max_distance_deg : float
        Largest epicentral separation in great-circle degrees.
    max_depth_diff_km : float
        Largest depth difference in km.
    """
    if max_distance_deg < 0 or max_depth_diff_km < 0:
        raise ValueError("cluster thresholds must be >= 0")
    lat, lon, dep, _ = _coords(events)
    n = lat.size
    d = np.asarray(
        locations2degrees(lat[:, None], lon[:, None], lat[None, :], lon[None, :]), float
    ).reshape(n, n)
    dz = np.abs(dep[:, None] - dep[None, :])
    return (d <= max_distance_deg) & (dz <= max_depth_diff_km)


def cluster_events(events, max_distance_deg: float = 1.0, max_depth_diff_km: float = 20.0):
    """Cluster ids of events by single linkage on epicentral distance and depth.

    Parameters
    ----------
    events, max_distance_deg, max_depth_diff_km
        The events and the thresholds (degrees, km) that make two of them
        neighbours, as for :func:`neighbour_matrix`.

    Returns
    -------
    list of int
        Cluster id per event (0, 1, ... in order of first appearance); the
        clusters are the connected components of the neighbour graph (see the
        module docstring).
    """
    events = list(events)
    if not events:
        return []
    adj = neighbour_matrix(events, max_distance_deg, max_depth_diff_km)
    n = adj.shape[0]
    labels = [-1] * n
    nxt = 0
    for i in range(n):
        if labels[i] >= 0:
            continue
        labels[i] = nxt
        stack = [i]
        while stack:
            k = stack.pop()
            for j in np.flatnonzero(adj[k]):
                if labels[j] < 0:
                    labels[j] = nxt
                    stack.append(int(j))
        nxt += 1
    return labels


def cluster_table(events, max_distance_deg: float = 1.0, max_depth_diff_km: float = 20.0):
    """DataFrame ``event_id, latitude, longitude, depth_km, cluster, cluster_size``."""
    import pandas as pd

    events = list(events)
    lat, lon, dep, ids = _coords(events) if events else ([], [], [], [])
    cl = cluster_events(events, max_distance_deg, max_depth_diff_km)
    df = pd.DataFrame(
        {"event_id": ids, "latitude": lat, "longitude": lon, "depth_km": dep, "cluster": cl}
    )
    df["cluster_size"] = df.groupby("cluster")["cluster"].transform("size") if cl else []
    return df
