"""Import submodules of a package without running the package's ``__init__``.

Some packages import far more in their ``__init__`` than the few submodules a
job uses (``scipy.signal`` every SciPy subpackage; ``obspy.taup`` matplotlib's
pyplot; ``scipy.optimize`` ``scipy.linalg`` and ``scipy.sparse``).
:func:`bare_package` puts a bare module made from the package's import spec
(its ``__path__`` set, its ``__init__`` not executed) in ``sys.modules`` while
the submodules are imported, then removes it, so the next ``import package``
executes the real ``__init__``; the submodules stay in ``sys.modules`` under
their own names and that later import reuses them. Callers fall back to the
plain import when a private layout differs (ImportError, AttributeError). A
submodule that bound the bare package to a name gets a :class:`LazyModule` in
its place, which imports the real package when it is first used.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from contextlib import contextmanager
from types import ModuleType


@contextmanager
def bare_package(package: str, **attributes):
    """Stand a bare ``package`` module (given ``attributes``) in ``sys.modules`` meanwhile.

    Yields the bare module, or None when ``package`` is already imported for real
    (then there is nothing to save and the submodules import normally).

    Raises
    ------
    ImportError
        If ``package`` is not a package.
    """
    if package in sys.modules:
        yield None
        return
    spec = importlib.util.find_spec(package)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"{package} is not a package")
    module = importlib.util.module_from_spec(spec)
    vars(module).update(attributes)
    sys.modules[package] = module
    try:
        yield module
    finally:
        if sys.modules.get(package) is module:
            del sys.modules[package]


def import_without_package_init(package: str, names) -> list[ModuleType]:
    """Import the submodules ``package.name`` (``names``) without ``package/__init__.py``.

    Raises ImportError if a submodule is missing.
    """
    with bare_package(package):
        return [importlib.import_module(f"{package}.{n}") for n in names]


class LazyModule(ModuleType):
    """Stands for the module ``name``: the first attribute looked up imports it for real
    (:func:`importlib.import_module`) and every lookup is answered by that module."""

    def __getattr__(self, attr: str):
        module = importlib.import_module(self.__name__)
        if module is self or sys.modules.get(self.__name__) is not module:
            raise AttributeError(f"{self.__name__} is not imported yet (asked for {attr!r})")
        return getattr(module, attr)
