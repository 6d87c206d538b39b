"""ObsPy's TauP classes without ``obspy.taup``'s package ``__init__`` and ``scipy.optimize``.

``from obspy.taup import TauPyModel`` runs ``obspy/taup/__init__.py``, which
imports ``obspy.taup.tau`` and with it ``matplotlib.pyplot`` (for plotting ray
paths); ``obspy.taup.seismic_phase`` imports :func:`scipy.optimize.brentq`, and
``import scipy.optimize`` loads ``scipy.linalg`` and ``scipy.sparse``. Together
about 1 s of CPU per job, for travel times that need neither.

:func:`taup_classes` imports the TauP modules that compute travel times
(``tau_model``: :class:`~obspy.taup.tau_model.TauModel`; ``seismic_phase``:
:class:`~obspy.taup.seismic_phase.SeismicPhase`; ``utils``: ``parse_phase_list``;
``helper_classes``: ``TauModelError``) under a bare ``obspy.taup`` package
(:func:`corephase.utils.imports.bare_package`) that holds only the package's
``_DEFAULT_VALUES``, read from its ``__init__.py`` source as a literal. While
``seismic_phase`` is imported, a bare ``scipy.optimize`` holds :func:`brentq`:
SciPy's own compiled Brent solver (``scipy.optimize._zeros._brentq``) called
as :func:`scipy.optimize.brentq` calls it, so the roots, and with them the
travel times, are the same to the last bit (tested against
:meth:`obspy.taup.TauPyModel.get_travel_times`). If ObsPy's or SciPy's private
layout differs, the classes come from the plain ``import obspy.taup``.

The modules stay in ``sys.modules``: a later ``import obspy.taup`` in the same
process runs the real package ``__init__`` and reuses them (tested).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import operator
from functools import lru_cache, partial
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from corephase.utils.imports import bare_package

#: Defaults of :func:`scipy.optimize.brentq` (``scipy.optimize._zeros_py``).
_XTOL, _RTOL, _MAXITER = 2e-12, 4 * np.finfo(float).eps, 100


@lru_cache(maxsize=1)
def taup_classes() -> SimpleNamespace:
    """``TauModel``, ``SeismicPhase``, ``TauModelError``, ``parse_phase_list`` and
    ``defaults`` (``obspy.taup._DEFAULT_VALUES``) of ObsPy's TauP; ``light`` says
    whether they came without ``import obspy.taup`` (see the module docstring)."""
    try:
        return _light_classes()
    except (ImportError, AttributeError, OSError, SyntaxError, ValueError):
        return _package_classes()


def _light_classes() -> SimpleNamespace:
    """The classes under bare ``obspy.taup`` and ``scipy.optimize`` packages."""
    spec = importlib.util.find_spec("obspy.taup")
    if spec is None or spec.origin is None:
        raise ImportError("obspy.taup is not installed")
    defaults = _package_defaults(Path(spec.origin))
    with bare_package("obspy.taup", _DEFAULT_VALUES=defaults) as taup:
        if taup is None:  # obspy.taup already imported for real
            return _package_classes()
        with bare_package("scipy.optimize") as optimize:
            if optimize is not None:
                zeros = importlib.import_module("scipy.optimize._zeros")
                optimize.brentq = partial(brentq, zeros._brentq)
            phase = importlib.import_module("obspy.taup.seismic_phase")
        model = importlib.import_module("obspy.taup.tau_model")
        utils = importlib.import_module("obspy.taup.utils")
        helpers = importlib.import_module("obspy.taup.helper_classes")
    return SimpleNamespace(
        TauModel=model.TauModel,
        SeismicPhase=phase.SeismicPhase,
        TauModelError=helpers.TauModelError,
        parse_phase_list=utils.parse_phase_list,
        defaults=defaults,
        light=True,
    )


def _package_classes() -> SimpleNamespace:
    """The classes after the plain ``import obspy.taup``."""
    import obspy.taup
    from obspy.taup.helper_classes import TauModelError
    from obspy.taup.seismic_phase import SeismicPhase
    from obspy.taup.tau_model import TauModel
    from obspy.taup.utils import parse_phase_list

    return SimpleNamespace(
        TauModel=TauModel,
        SeismicPhase=SeismicPhase,
        TauModelError=TauModelError,
        parse_phase_list=parse_phase_list,
        defaults=obspy.taup._DEFAULT_VALUES,
        light=False,
    )


def _package_defaults(init_py: Path) -> dict:
    """``_DEFAULT_VALUES`` of ``obspy/taup/__init__.py``: its one assignment, a literal.

    Raises ValueError if the file does not assign it exactly once, or not a dict literal.
    """
    tree = ast.parse(init_py.read_text(encoding="utf-8"))
    values = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "_DEFAULT_VALUES" for t in node.targets)
    ]
    if len(values) != 1:
        raise ValueError(f"{init_py} does not assign _DEFAULT_VALUES once")
    out = ast.literal_eval(values[0])
    if not isinstance(out, dict):
        raise ValueError(f"_DEFAULT_VALUES of {init_py} is not a dict")
    return out


def brentq(
    kernel,
    f,
    a,
    b,
    args=(),
    xtol=_XTOL,
    rtol=_RTOL,
    maxiter=_MAXITER,
    full_output=False,
    disp=True,
):
    """:func:`scipy.optimize.brentq` with SciPy's compiled solver ``kernel``
    (``scipy.optimize._zeros._brentq``): a root of ``f`` in ``[a, b]``.

    The same checks, NaN guard and kernel call as SciPy; only the root is returned
    (``full_output`` is not supported: ObsPy's TauP does not ask for it).

    Raises
    ------
    ValueError
        For ``xtol <= 0``, ``rtol`` below SciPy's minimum, ``f(a)`` and ``f(b)`` of
        the same sign, or a NaN value of ``f``.
    RuntimeError
        If the solver does not converge and ``disp`` is true.
    """
    if full_output:
        raise ValueError("full_output is not supported; use scipy.optimize.brentq")
    if not isinstance(args, tuple):
        args = (args,)
    maxiter = operator.index(maxiter)
    if xtol <= 0:
        raise ValueError(f"xtol too small ({xtol:g} <= 0)")
    if rtol < _RTOL:
        raise ValueError(f"rtol too small ({rtol:g} < {_RTOL:g})")
    return kernel(_nan_raise(f), a, b, xtol, rtol, maxiter, args, False, disp)


def _nan_raise(f):
    """``f`` raising ValueError where it returns NaN (SciPy's guard in ``brentq``)."""

    def checked(x, *args):
        fx = f(x, *args)
        if np.isnan(fx):
            raise ValueError(f"The function value at x={x} is NaN; solver cannot continue.")
        return fx

    return checked
