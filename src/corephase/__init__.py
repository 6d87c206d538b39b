"""corephase: array seismology for weak core phases.

Conventions used throughout the package
---------------------------------------
- Horizontal slowness is given in s/deg in configuration and tables and in
  s/km inside the array-processing kernels (1 deg = 111.19 km, see
  :data:`corephase.model.geometry.KM_PER_DEG`).
- Back-azimuth is measured clockwise from north, in degrees, from the array
  towards the source.
- Times are in seconds relative to the event origin unless a docstring says
  relative to a phase.
- Element offsets are east/north in km from the array reference point.
"""

__version__ = "0.1.0"
