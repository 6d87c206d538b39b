"""Array geometry: element coordinates, local offsets and parametric layouts.

Offsets are east/north in km from the array reference point, computed on the
sphere with an azimuthal equidistant projection about the reference point
(exact distances and azimuths from the reference), which stays accurate for
apertures of hundreds of km.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Kilometres per great-circle degree on a sphere of radius 6371 km.
KM_PER_DEG = 2.0 * np.pi * 6371.0 / 360.0


@dataclass
class ArrayGeometry:
    """Coordinates of the elements of one array.

    Attributes
    ----------
    name : str
        Array name (e.g. ``"YKA"``).
    codes : list of str
        Element SEED ids ``NET.STA.LOC.CHA`` (or station codes).
    lat, lon : numpy.ndarray
        Element latitude and longitude in degrees.
    elev_m : numpy.ndarray
        Element elevation in metres above sea level.
    ref_lat, ref_lon : float
        Reference point in degrees; defaults to the element centroid.
    """

    name: str
    codes: list[str]
    lat: np.ndarray
    lon: np.ndarray
    elev_m: np.ndarray = field(default=None)
    ref_lat: float | None = None
    ref_lon: float | None = None

    def __post_init__(self):
        self.lat = np.asarray(self.lat, dtype=float)
        self.lon = np.asarray(self.lon, dtype=float)
        n = self.lat.size
        if self.lon.size != n or len(self.codes) != n:
            raise ValueError(
                f"array {self.name}: {len(self.codes)} codes, {n} latitudes and "
                f"{self.lon.size} longitudes must have the same length"
            )
        if self.elev_m is None:
            self.elev_m = np.zeros(n)
        self.elev_m = np.asarray(self.elev_m, dtype=float)
        if self.ref_lat is None or self.ref_lon is None:
            self.ref_lat, self.ref_lon = centroid(self.lat, self.lon)

    def __len__(self) -> int:
        return self.lat.size

    def offsets_km(self) -> tuple[np.ndarray, np.ndarray]:
        """East and north offsets in km of each element from the reference point."""
        return latlon_to_local_km(self.lat, self.lon, self.ref_lat, self.ref_lon)

    def aperture_km(self) -> float:
        """Largest inter-element distance in km."""
        return aperture_km(*self.offsets_km())

    def missing_elevations(self) -> np.ndarray:
        """Boolean mask of elements whose elevation is missing (see :func:`missing_elevations`)."""
        return missing_elevations(self.elev_m)

    def subset(self, index) -> ArrayGeometry:
        """A new geometry with the elements at ``index``; keeps the reference point."""
        index = np.asarray(index)
        return ArrayGeometry(
            self.name,
            [self.codes[i] for i in np.atleast_1d(np.arange(len(self))[index])],
            self.lat[index],
            self.lon[index],
            self.elev_m[index],
            self.ref_lat,
            self.ref_lon,
        )


#: An exact 0.0 m elevation at least this far (m) below/above every other is a missing value.
MISSING_ELEVATION_GAP_M = 100.0


def missing_elevations(elev_m, gap_m: float = MISSING_ELEVATION_GAP_M) -> np.ndarray:
    """Elements whose elevation is missing: NaN, or exactly 0.0 m far from all the others.

    Registry tables write 0.0 for an unknown elevation (IMAR IM03 at 0.0 m among
    neighbours at 360-645 m). A 0.0 counts as missing when the nearest other
    (non-zero) elevation is farther from 0 than both ``gap_m`` and the spread
    (max - min) of the other elevations, i.e. when 0.0 sits well outside the
    array's topography; an array at sea level, or one whose elevations span down
    to near 0, has none missing.

    Parameters
    ----------
    elev_m : array_like
        Element elevations in m above sea level.
    gap_m : float
        Smallest gap (m) between 0 and the nearest other elevation.

    Returns
    -------
    numpy.ndarray of bool
    """
    z = np.asarray(elev_m, float)
    missing = ~np.isfinite(z)
    zero = z == 0.0
    others = z[~zero & ~missing]
    if others.size:
        nearest = float(np.min(np.abs(others)))
        if nearest > max(float(gap_m), float(np.ptp(others))):
            missing |= zero
    return missing


def centroid(lat, lon) -> tuple[float, float]:
    """Spherical centroid (degrees) of points given in degrees."""
    la, lo = np.radians(lat), np.radians(lon)
    x = np.mean(np.cos(la) * np.cos(lo))
    y = np.mean(np.cos(la) * np.sin(lo))
    z = np.mean(np.sin(la))
    return float(np.degrees(np.arctan2(z, np.hypot(x, y)))), float(np.degrees(np.arctan2(y, x)))


def latlon_to_local_km(lat, lon, ref_lat, ref_lon) -> tuple[np.ndarray, np.ndarray]:
    """Azimuthal-equidistant east/north offsets (km) about a reference point.

    Parameters
    ----------
    lat, lon : array_like
        Point coordinates in degrees.
    ref_lat, ref_lon : float
        Reference point in degrees.

    Returns
    -------
    east_km, north_km : numpy.ndarray
    """
    la1, lo1 = np.radians(ref_lat), np.radians(ref_lon)
    la2, lo2 = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    dlon = lo2 - lo1
    cosc = np.sin(la1) * np.sin(la2) + np.cos(la1) * np.cos(la2) * np.cos(dlon)
    c = np.arccos(np.clip(cosc, -1.0, 1.0))
    az = np.arctan2(
        np.sin(dlon) * np.cos(la2),
        np.cos(la1) * np.sin(la2) - np.sin(la1) * np.cos(la2) * np.cos(dlon),
    )
    dist_km = c * 6371.0
    return dist_km * np.sin(az), dist_km * np.cos(az)


def local_km_to_latlon(east_km, north_km, ref_lat, ref_lon) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`latlon_to_local_km` (degrees)."""
    east_km = np.asarray(east_km, float)
    north_km = np.asarray(north_km, float)
    c = np.hypot(east_km, north_km) / 6371.0
    az = np.arctan2(east_km, north_km)
    la1, lo1 = np.radians(ref_lat), np.radians(ref_lon)
    la2 = np.arcsin(np.sin(la1) * np.cos(c) + np.cos(la1) * np.sin(c) * np.cos(az))
    lo2 = lo1 + np.arctan2(
        np.sin(az) * np.sin(c) * np.cos(la1), np.cos(c) - np.sin(la1) * np.sin(la2)
    )
    lon = (np.degrees(lo2) + 180.0) % 360.0 - 180.0
    return np.degrees(la2), lon


def aperture_km(east_km, north_km) -> float:
    """Largest distance (km) between any two of the given points."""
    xy = np.column_stack([east_km, north_km])
    if len(xy) < 2:
        return 0.0
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    return float(d.max())


def parametric_layout(
    kind: str, n: int, aperture: float, seed: int = 0, rings: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """East/north offsets (km) of an idealised array layout.

    Parameters
    ----------
    kind : {"rings", "cross", "L", "spiral", "random", "line"}
        Layout family. ``rings`` puts one element at the centre and the rest on
        ``rings`` concentric rings (IMS-style); ``cross`` two perpendicular lines
        (like YKA); ``L`` two perpendicular arms meeting at a corner; ``spiral``
        a logarithmic spiral; ``random`` uniform in a disc (seeded); ``line``
        east-west.
    n : int
        Number of elements (>= 2).
    aperture : float
        Target largest inter-element distance in km.
    seed : int
        Seed for ``random``.
    rings : int
        Number of rings for ``rings``.

    Returns
    -------
    east_km, north_km : numpy.ndarray
        Offsets scaled so that the aperture equals ``aperture``.
    """
    if n < 2:
        raise ValueError(f"layout {kind!r} needs at least 2 elements, got {n}")
    if kind == "rings":
        m = n - 1
        per = np.full(rings, m // rings)
        per[: m % rings] += 1
        e, nn = [0.0], [0.0]
        for k, cnt in enumerate(per, start=1):
            phi = 2 * np.pi * np.arange(cnt) / max(cnt, 1) + k * 0.3
            e += list(k * np.sin(phi))
            nn += list(k * np.cos(phi))
        e, nn = np.array(e), np.array(nn)
    elif kind == "cross":
        a = n // 2
        b = n - a
        e = np.concatenate([np.linspace(-1, 1, a), np.zeros(b)])
        nn = np.concatenate([np.zeros(a), np.linspace(-1, 1, b + 2)[1:-1]])
    elif kind == "L":
        a = (n + 1) // 2
        b = n - a
        e = np.concatenate([np.linspace(0, 1, a), np.zeros(b)])
        nn = np.concatenate([np.zeros(a), np.linspace(0, 1, b + 1)[1:]])
    elif kind == "spiral":
        t = np.linspace(0, 3 * np.pi, n)
        r = np.exp(0.25 * t) - 1.0
        e, nn = r * np.sin(t), r * np.cos(t)
    elif kind == "random":
        rng = np.random.default_rng(seed)
        r = np.sqrt(rng.uniform(0, 1, n))
        phi = rng.uniform(0, 2 * np.pi, n)
        e, nn = r * np.sin(phi), r * np.cos(phi)
    elif kind == "line":
        e, nn = np.linspace(-1, 1, n), np.zeros(n)
    else:
        raise ValueError(
            f"unknown layout {kind!r}; expected rings, cross, L, spiral, random or line"
        )
    e = np.asarray(e, float)
    nn = np.asarray(nn, float)
    e, nn = e - e.mean(), nn - nn.mean()
    ap = aperture_km(e, nn)
    scale = aperture / ap if ap > 0 else 0.0
    return e * scale, nn * scale
