"""Predicted PKiKP/PcP amplitude ratios and what observed ratios say about the ICB.

- :mod:`~corephase.theory.earth`: velocity, density (TauP models) and Q (ak135-F, PREM)
  profiles of ak135, iasp91 and PREM.
- :mod:`~corephase.theory.coefficients`: plane-wave P-SV reflection and transmission
  coefficients at solid-solid and liquid-solid interfaces (Aki & Richards 2002, ch. 5).
- :mod:`~corephase.theory.rays`: ray parameter, dp/dDelta (TauP via ObsPy), angles and t*.
- :mod:`~corephase.theory.ratios`: predicted PKiKP/PcP ratio and PcP, PKiKP amplitudes
  relative to P, tabulated per model/depth and interpolated.
- :mod:`~corephase.theory.inversion`: grid-search inversion of observed ratios for the
  ICB density jump, inner-core shear velocity and P-velocity jump.

See docs/theory.md for the formulas, references and what is computed where.
"""
