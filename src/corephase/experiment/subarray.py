"""Sub-array layouts: ideal geometries, extraction from dense networks, dense geometries.

Two kinds of sub-array are built for the sub-array experiment
(:mod:`corephase.experiment`):

* **theoretical** layouts: the ideal element positions of a layout family
  (:func:`ideal_layout`), placed around a centre point;
* **extracted** layouts: for each ideal position the nearest real station of
  a dense network, no station used twice (optimal assignment minimising the
  summed squared misfit, :func:`extract_subarray`).

Conventions: offsets are east/north in km from the centre point (azimuthal
equidistant, :func:`corephase.model.geometry.latlon_to_local_km`); back-azimuth is
clockwise from north, from the array to the source; the aperture is the
largest inter-station distance in km and the spacing the median distance from
each station to its nearest neighbour in km.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from corephase.config.experiment import GeometrySettings, LayoutSettings
from corephase.model.geometry import (
    ArrayGeometry,
    aperture_km,
    latlon_to_local_km,
    local_km_to_latlon,
    parametric_layout,
)

#: Layout families understood by :func:`ideal_layout`.
LAYOUT_KINDS = (
    "ring",
    "rings",
    "cross",
    "L",
    "line_along",
    "line_across",
    "spiral",
    "random",
    "clustered",
)

#: Dense-geometry sources understood by :func:`dense_geometry`.
GEOMETRY_SOURCES = ("theoretical", "csv", "stationxml", "fdsn", "ims")


# ---------------------------------------------------------------------------- basic measures
def spacing_km(east_km, north_km) -> float:
    """Median nearest-neighbour distance (km) of a set of stations (0 for one station)."""
    xy = np.column_stack([np.asarray(east_km, float), np.asarray(north_km, float)])
    if len(xy) < 2:
        return 0.0
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    return float(np.median(d.min(axis=1)))


# ---------------------------------------------------------------------------- ideal layouts
def _unit_layout(kind, n, baz_deg, seed, rings, n_clusters, cluster_radius):
    """Unscaled east/north coordinates of a layout family (arbitrary scale)."""
    if kind in ("rings", "cross", "L", "spiral", "random"):
        return parametric_layout(kind, n, 1.0, seed=seed, rings=rings)
    if kind == "ring":
        phi = 2.0 * np.pi * np.arange(n) / n
        return np.sin(phi), np.cos(phi)
    b = np.radians(baz_deg)
    if kind in ("line_along", "line_across"):
        u = np.linspace(-1.0, 1.0, n)
        if kind == "line_along":  # along the great circle to the source
            return u * np.sin(b), u * np.cos(b)
        return u * np.cos(b), -u * np.sin(b)
    if kind == "clustered":
        k = n_clusters if n_clusters else max(2, min(n // 3, round(np.sqrt(n))))
        k = int(min(max(k, 1), n))
        rng = np.random.default_rng(seed)
        # cluster centres on a circle of radius 1; members in discs around them
        phi0 = rng.uniform(0.0, 2.0 * np.pi)
        phi = phi0 + 2.0 * np.pi * np.arange(k) / k
        cx, cy = (np.sin(phi), np.cos(phi)) if k > 1 else (np.zeros(1), np.zeros(1))
        member = np.arange(n) % k
        r = cluster_radius * np.sqrt(rng.uniform(0.0, 1.0, n))
        a = rng.uniform(0.0, 2.0 * np.pi, n)
        e, nn = cx[member] + r * np.sin(a), cy[member] + r * np.cos(a)
        # first member of each cluster at its centre, so small clusters stay compact
        first = np.arange(k)
        e[first], nn[first] = cx, cy
        return e - e.mean(), nn - nn.mean()
    raise ValueError(f"unknown layout {kind!r}; expected one of {', '.join(LAYOUT_KINDS)}")


def ideal_layout(
    kind: str,
    n: int,
    aperture: float | None = None,
    spacing: float | None = None,
    baz_deg: float = 0.0,
    seed: int = 0,
    rings: int = 2,
    n_clusters: int | None = None,
    cluster_radius: float = 0.15,
) -> tuple[np.ndarray, np.ndarray]:
    """East/north offsets (km) of an ideal sub-array layout centred on the origin.

    Parameters
    ----------
    kind : str
        One of :data:`LAYOUT_KINDS`: ``ring`` (``n`` stations on a circle),
        ``rings`` (centre plus concentric rings, IMS-like), ``cross``, ``L``,
        ``spiral``, ``random`` (uniform in a disc), ``line_along`` /
        ``line_across`` (a line along / across the back-azimuth) and
        ``clustered`` (``n_clusters`` compact groups on a circle).
    n : int
        Number of stations (>= 2).
    aperture : float, optional
        Largest inter-station distance in km.
    spacing : float, optional
        Median nearest-neighbour distance in km; give exactly one of
        ``aperture`` and ``spacing``.
    baz_deg : float
        Back-azimuth (degrees clockwise from north) orienting the lines.
    seed : int
        Seed of the random and clustered layouts.
    rings : int
        Number of rings of ``rings``.
    n_clusters : int, optional
        Number of clusters of ``clustered`` (default about ``sqrt(n)``).
    cluster_radius : float
        Cluster radius as a fraction of the radius of the circle of cluster centres.

    Returns
    -------
    east_km, north_km : numpy.ndarray
    """
    n = int(n)
    if n < 2:
        raise ValueError(f"layout {kind!r} needs at least 2 stations, got {n}")
    if (aperture is None) == (spacing is None):
        raise ValueError(
            f"layout {kind!r}: give exactly one of aperture and spacing "
            f"(got aperture={aperture}, spacing={spacing})"
        )
    size = aperture if aperture is not None else spacing
    if not np.isfinite(size) or size <= 0:
        what = "aperture" if aperture is not None else "spacing"
        raise ValueError(f"layout {kind!r}: {what} must be a positive number of km, got {size}")
    e, nn = _unit_layout(kind, n, baz_deg, seed, rings, n_clusters, cluster_radius)
    e, nn = np.asarray(e, float), np.asarray(nn, float)
    e, nn = e - e.mean(), nn - nn.mean()
    ref = aperture_km(e, nn) if aperture is not None else spacing_km(e, nn)
    if ref <= 0:
        raise ValueError(f"layout {kind!r} with {n} stations is degenerate")
    return e * (size / ref), nn * (size / ref)


# ---------------------------------------------------------------------------- sub-arrays
@dataclass
class SubArray:
    """One sub-array selection.

    Attributes
    ----------
    layout_id : str
        Unique name, e.g. ``extracted_ring_n10_a50km``.
    kind, mode : str
        Layout family and ``"extracted"`` or ``"theoretical"``.
    n_requested : int
    aperture_requested_km, spacing_requested_km : float or None
        The size parameter given (the other is None).
    ideal_east_km, ideal_north_km : numpy.ndarray
        Ideal positions relative to the centre point.
    geometry : ArrayGeometry or None
        The stations (reference point = centre point); None if infeasible.
    misfit_km : numpy.ndarray
        Distance of each station from its ideal position (0 for theoretical).
    index : numpy.ndarray
        Indices of the stations in the dense geometry (extracted mode).
    status : str
        ``"ok"`` or the reason the layout could not be built.
    """

    layout_id: str
    kind: str
    mode: str
    n_requested: int
    aperture_requested_km: float | None
    spacing_requested_km: float | None
    ideal_east_km: np.ndarray
    ideal_north_km: np.ndarray
    geometry: ArrayGeometry | None = None
    misfit_km: np.ndarray = field(default_factory=lambda: np.zeros(0))
    index: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    status: str = "ok"

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.geometry is not None

    @property
    def n(self) -> int:
        return len(self.geometry) if self.geometry is not None else 0

    def offsets_km(self) -> tuple[np.ndarray, np.ndarray]:
        """East/north offsets (km) of the stations from the centre point."""
        return self.geometry.offsets_km()

    @property
    def aperture_km(self) -> float:
        return self.geometry.aperture_km() if self.ok else float("nan")

    @property
    def spacing_km(self) -> float:
        return spacing_km(*self.offsets_km()) if self.ok else float("nan")


def extract_subarray(
    dense_east_km,
    dense_north_km,
    ideal_east_km,
    ideal_north_km,
    max_shift_km: float | None = None,
    method: str = "optimal",
) -> tuple[np.ndarray, np.ndarray]:
    """Real stations nearest to an ideal layout, none used twice.

    Parameters
    ----------
    dense_east_km, dense_north_km : array_like
        Offsets (km) of the dense-network stations from the layout centre.
    ideal_east_km, ideal_north_km : array_like
        Ideal station positions (km) about the same centre.
    max_shift_km : float, optional
        Largest allowed distance between an ideal position and its station.
        Default: half the ideal median nearest-neighbour spacing. It bounds
        the aperture of the result by ``ideal aperture + 2 max_shift_km``.
    method : {"optimal", "greedy"}
        ``optimal`` minimises the summed squared misfit
        (:func:`scipy.optimize.linear_sum_assignment`); ``greedy`` assigns
        pairs in order of increasing distance.

    Returns
    -------
    index : numpy.ndarray of int
        Index into the dense stations of the station chosen for each ideal
        position (all distinct).
    misfit_km : numpy.ndarray
        Distance of each chosen station from its ideal position.

    Raises
    ------
    ValueError
        If the dense network has fewer stations than the layout, or some
        ideal position has no free station within ``max_shift_km``.
    """
    linear_sum_assignment = _linear_sum_assignment()
    dx = np.asarray(dense_east_km, float).ravel()
    dy = np.asarray(dense_north_km, float).ravel()
    ix = np.asarray(ideal_east_km, float).ravel()
    iy = np.asarray(ideal_north_km, float).ravel()
    if ix.size > dx.size:
        raise ValueError(
            f"the dense network has {dx.size} stations, fewer than the {ix.size} requested"
        )
    if max_shift_km is None:
        max_shift_km = 0.5 * spacing_km(ix, iy)
    if max_shift_km <= 0:
        raise ValueError(f"max_shift_km must be positive, got {max_shift_km}")
    d = np.hypot(ix[:, None] - dx[None, :], iy[:, None] - dy[None, :])
    allowed = d <= max_shift_km
    if not np.all(allowed.any(axis=1)):
        k = int(np.argmin(allowed.any(axis=1)))
        raise ValueError(
            f"no station within {max_shift_km:.1f} km of ideal position {k} "
            f"({ix[k]:.1f} km E, {iy[k]:.1f} km N); the nearest is {d[k].min():.1f} km away"
        )
    if method == "optimal":
        big = 1e6 * (1.0 + (d.max() / max_shift_km) ** 2)
        cost = np.where(allowed, (d / max_shift_km) ** 2, big)
        rows, cols = linear_sum_assignment(cost)
        index = np.empty(ix.size, int)
        index[rows] = cols
    elif method == "greedy":
        index = np.full(ix.size, -1)
        used = np.zeros(dx.size, bool)
        for flat in np.argsort(d, axis=None, kind="stable"):
            r, c = divmod(int(flat), dx.size)
            if index[r] >= 0 or used[c] or not allowed[r, c]:
                continue
            index[r], used[c] = c, True
        if np.any(index < 0):
            raise ValueError(
                f"greedy assignment left {int(np.sum(index < 0))} ideal positions without a "
                f"free station within {max_shift_km:.1f} km"
            )
    else:
        raise ValueError(f"unknown extraction method {method!r}; expected 'optimal' or 'greedy'")
    misfit = d[np.arange(ix.size), index]
    if np.any(misfit > max_shift_km):
        raise ValueError(
            f"cannot give every ideal position its own station within {max_shift_km:.1f} km "
            f"(too few stations near the layout)"
        )
    return index, misfit


def _linear_sum_assignment():
    """:func:`scipy.optimize.linear_sum_assignment`, the same compiled function, loaded from
    ``scipy.optimize._lsap`` without ``scipy.optimize``'s ``__init__`` (which imports
    ``scipy.linalg`` and ``scipy.sparse``: 0.3 s per job;
    :func:`corephase.utils.imports.import_without_package_init`); the plain import if
    SciPy is laid out differently."""
    from corephase.utils.imports import import_without_package_init

    try:
        (lsap,) = import_without_package_init("scipy.optimize", ["_lsap"])
        return lsap.linear_sum_assignment
    except (ImportError, AttributeError):
        from scipy.optimize import linear_sum_assignment

        return linear_sum_assignment


def make_subarray(
    kind: str,
    n: int,
    mode: str,
    center_lat: float,
    center_lon: float,
    aperture: float | None = None,
    spacing: float | None = None,
    baz_deg: float = 0.0,
    dense: ArrayGeometry | None = None,
    lay: LayoutSettings | None = None,
) -> SubArray:
    """Build one theoretical or extracted sub-array.

    Parameters
    ----------
    kind, n, aperture, spacing, baz_deg
        See :func:`ideal_layout` (km, degrees).
    mode : {"theoretical", "extracted"}
    center_lat, center_lon : float
        Centre point of the layout in degrees; also the reference point of
        the resulting geometry.
    dense : ArrayGeometry, optional
        Dense network to extract from (required for ``extracted``).
    lay : LayoutSettings, optional
        The sweep's ``seed``, ``rings``, ``n_clusters`` and ``cluster_radius``
        (for :func:`ideal_layout`), ``method`` (of :func:`extract_subarray`),
        ``max_shift_frac`` (largest station misfit as a fraction of the ideal
        spacing) and ``aperture_tol`` (the extracted aperture must lie within
        ``(1 +- aperture_tol)`` times the ideal aperture, else the layout is
        infeasible); default ``LayoutSettings()``.

    Returns
    -------
    SubArray
        ``status`` is ``"ok"`` or the reason the extraction failed (the
        problem is then recorded instead of raised, so that a sweep over
        layouts reports infeasible ones).
    """
    size = f"a{aperture:g}km" if aperture is not None else f"s{spacing:g}km"
    layout_id = f"{mode}_{kind}_n{n}_{size}"
    lay = lay or LayoutSettings()
    e, nn = ideal_layout(
        kind,
        n,
        aperture,
        spacing,
        baz_deg,
        int(lay.seed),
        rings=int(lay.rings),
        n_clusters=lay.n_clusters,
        cluster_radius=float(lay.cluster_radius),
    )
    sub = SubArray(layout_id, kind, mode, int(n), aperture, spacing, e, nn)
    ideal_ap = aperture_km(e, nn)
    if mode == "theoretical":
        lat, lon = local_km_to_latlon(e, nn, center_lat, center_lon)
        codes = [f"TH.T{i:03d}..SHZ" for i in range(n)]
        sub.geometry = ArrayGeometry(layout_id, codes, lat, lon, None, center_lat, center_lon)
        sub.misfit_km = np.zeros(n)
        sub.index = np.arange(n)
        return sub
    if mode != "extracted":
        raise ValueError(f"sub-array mode must be 'theoretical' or 'extracted', got {mode!r}")
    if dense is None:
        raise ValueError("an extracted sub-array needs the dense geometry")
    dx, dy = latlon_to_local_km(dense.lat, dense.lon, center_lat, center_lon)
    try:
        idx, misfit = extract_subarray(
            dx, dy, e, nn, float(lay.max_shift_frac) * spacing_km(e, nn), method=lay.method
        )
    except ValueError as err:
        sub.status = f"infeasible: {err}"
        return sub
    g = dense.subset(idx)
    g = ArrayGeometry(layout_id, g.codes, g.lat, g.lon, g.elev_m, center_lat, center_lon)
    ap = g.aperture_km()
    aperture_tol = float(lay.aperture_tol)
    if abs(ap - ideal_ap) > aperture_tol * ideal_ap:
        sub.status = (
            f"infeasible: extracted aperture {ap:.1f} km differs from the ideal "
            f"{ideal_ap:.1f} km by more than {100 * aperture_tol:.0f} %"
        )
        return sub
    sub.geometry, sub.misfit_km, sub.index = g, misfit, idx
    return sub


# ---------------------------------------------------------------------------- dense geometries
def theoretical_dense_geometry(
    ref_lat: float,
    ref_lon: float,
    extent_km: float,
    spacing_km_: float,
    jitter_km: float = 0.0,
    seed: int = 0,
    name: str = "DENSE",
) -> ArrayGeometry:
    """A synthetic dense network: a jittered triangular grid in a disc.

    Parameters
    ----------
    ref_lat, ref_lon : float
        Centre in degrees (the reference point of the geometry).
    extent_km : float
        Diameter of the disc in km.
    spacing_km_ : float
        Grid spacing in km (TA: about 70 km, Hi-net: about 20 km).
    jitter_km : float
        Standard deviation (km) of a Gaussian perturbation of each position.
    seed : int
        Seed of the jitter.
    name : str
        Geometry name; stations are ``XD.D0000..SHZ`` etc.
    """
    if extent_km <= 0 or spacing_km_ <= 0:
        raise ValueError(
            f"dense grid extent and spacing must be positive, got {extent_km} and {spacing_km_} km"
        )
    r = 0.5 * extent_km
    m = int(np.ceil(r / spacing_km_)) + 1
    i, j = np.meshgrid(np.arange(-m, m + 1), np.arange(-m, m + 1), indexing="ij")
    x = (i + 0.5 * (j % 2)) * spacing_km_
    y = j * spacing_km_ * np.sqrt(3.0) / 2.0
    keep = np.hypot(x, y) <= r
    x, y = x[keep], y[keep]
    rng = np.random.default_rng(seed)
    if jitter_km > 0:
        x = x + rng.normal(0.0, jitter_km, x.size)
        y = y + rng.normal(0.0, jitter_km, y.size)
    lat, lon = local_km_to_latlon(x, y, ref_lat, ref_lon)
    codes = [f"XD.D{k:04d}..SHZ" for k in range(x.size)]
    return ArrayGeometry(name, codes, lat, lon, None, ref_lat, ref_lon)


def _geometry_from_table(df, name: str, spec: GeometrySettings) -> ArrayGeometry:
    """Stations of a station table open on ``spec.date`` and inside the region."""
    from obspy import UTCDateTime

    from corephase.planning.stations import open_at

    if spec.networks:
        df = df[df["network"].isin(list(spec.networks))]
    if spec.date:
        df = open_at(df, UTCDateTime(spec.date))
    if df.empty:
        raise ValueError(f"dense geometry {name}: no station open on {spec.date}")
    lat = df["latitude"].to_numpy(float)
    lon = df["longitude"].to_numpy(float)
    codes = [
        f"{a}.{b}..{c.split()[0] if c else 'BHZ'}"
        for a, b, c in zip(df["network"], df["station"], df["channels"], strict=True)
    ]
    geom = ArrayGeometry(name, codes, lat, lon, df["elevation_m"].to_numpy(float))
    if spec.center_lat is not None and spec.center_lon is not None:
        geom.ref_lat, geom.ref_lon = float(spec.center_lat), float(spec.center_lon)
    if spec.radius_km:
        e, n = geom.offsets_km()
        keep = np.flatnonzero(np.hypot(e, n) <= float(spec.radius_km))
        if keep.size == 0:
            raise ValueError(f"dense geometry {name}: no station within radius_km of the centre")
        geom = geom.subset(keep)
    # duplicate positions (co-located sites) would make assignment ambiguous: keep the first
    key = np.round(np.column_stack([geom.lat, geom.lon]), 5)
    _, first = np.unique(key, axis=0, return_index=True)
    if first.size < len(geom):
        geom = geom.subset(np.sort(first))
    return geom


def dense_geometry(spec: GeometrySettings, name: str = "DENSE") -> ArrayGeometry:
    """The geometry that sub-arrays are taken from, from an experiment's ``geometry`` entry.

    Parameters
    ----------
    spec : GeometrySettings
        An experiment's ``geometry`` section; ``source`` is one of :data:`GEOMETRY_SOURCES`:

        - ``theoretical``: ``ref_lat``, ``ref_lon``, ``extent_km``,
          ``spacing_km``, optional ``jitter_km``, ``seed``
          (:func:`theoretical_dense_geometry`);
        - ``csv``: ``path`` of a station table (network, station, latitude,
          longitude, elevation_m, channels, start, end, optional end_status;
          ``package:<file>`` for a packaged table such as
          ``package:TA_stations.csv``), optional ``date`` (stations open then;
          a station whose real end is unknown only up to its confirmed end,
          see :func:`corephase.planning.stations.open_at`), ``networks``,
          ``center_lat``/``center_lon`` and ``radius_km`` (region);
        - ``stationxml``: ``path``, same optional keys as ``csv``;
        - ``fdsn``: ``data_centre`` and the FDSN station-query keys
          ``network``, ``station``, ``channel``, ``minlatitude`` ...,
          ``date``; same optional keys as ``csv``;
        - ``ims``: ``array`` (e.g. ``YKA``), optional ``path`` of the element
          table (default: the packaged ``ims_array_elements.csv``).

    name : str
        Name of the geometry.

    Returns
    -------
    ArrayGeometry
        Reference point: ``center_lat``/``center_lon`` if given, else the
        centroid (for ``theoretical`` its ``ref_lat``/``ref_lon``).
    """
    from corephase.io.stations import elements_from_csv, load_station_table
    from corephase.sources import fdsn

    src = spec.source
    if src == "theoretical":
        return theoretical_dense_geometry(
            spec.ref_lat,
            spec.ref_lon,
            spec.extent_km,
            spec.spacing_km,
            spec.jitter_km,
            spec.seed,
            name,
        )
    if src in ("csv", "stationxml"):
        from corephase.planning.stations import resolve_stations

        return _geometry_from_table(load_station_table(resolve_stations(spec.path)), name, spec)
    if src == "fdsn":
        from obspy import UTCDateTime

        client = fdsn.make_client(spec.data_centre, spec.timeout_s)
        query = dict(spec.query or {})
        if spec.date:
            t = UTCDateTime(spec.date)
            query.update(starttime=t, endtime=t + 86400)
        inv = client.get_stations(level="channel", **query)
        return _geometry_from_table(load_station_table(inv), name, spec)
    if src == "ims":
        rows = elements_from_csv(spec.path or "ims_array_elements.csv", spec.array)
        codes = [f"IM.{r['station']}..SHZ" for r in rows]
        geom = ArrayGeometry(
            spec.array,
            codes,
            [r["latitude"] for r in rows],
            [r["longitude"] for r in rows],
            [r["elevation_m"] for r in rows],
        )
        if spec.center_lat is not None and spec.center_lon is not None:
            geom.ref_lat, geom.ref_lon = float(spec.center_lat), float(spec.center_lon)
        return geom
    raise ValueError(f"geometry source {src!r} is not one of {', '.join(GEOMETRY_SOURCES)}")
