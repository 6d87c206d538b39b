"""Typed settings: one frozen dataclass per concern, one set of defaults.

Every settings class is registered with :func:`section` under the location of
its section in the packaged JSON schema (``schema.yaml``): a dotted path of
property names from the top level (``"stack"``, ``"stack.detection"``), from
a definition (``"$defs.synthetic"``), with ``*`` for the entries of a mapping
(``"dense_networks.*.trigger"``). ``tests/config/test_settings.py`` checks,
field by field, that the schema knows every setting and that every default the
schema declares equals the settings default; sections whose schema location
must not fill defaults (because they are merged over another section, like an
array's ``synthetic`` overrides) set ``schema_fills_defaults = False`` and the
schema then declares none there.

Stage functions (:mod:`corephase.stages`) are the only code that turns config
dicts into settings objects (``Settings.from_dict``); science functions take
settings objects or plain arguments.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from corephase.config.validation import ConfigError

#: schema location -> settings class (filled by :func:`section`)
SECTIONS: dict[str, type] = {}

T = TypeVar("T", bound="Settings")


def section(path: str, *, schema_fills_defaults: bool = True):
    """Class decorator: register a settings dataclass for the schema location ``path``."""

    def deco(cls):
        cls.schema_path = path
        cls.schema_fills_defaults = schema_fills_defaults
        SECTIONS[path] = cls
        return cls

    return deco


def _freeze(v):
    """Lists become tuples so that frozen settings are hashable and immutable in depth."""
    if isinstance(v, list | tuple):
        return tuple(_freeze(x) for x in v)
    return v


def _thaw(v):
    if isinstance(v, tuple):
        return [_thaw(x) for x in v]
    if isinstance(v, Settings):
        return v.to_dict()
    if isinstance(v, Mapping):
        return {k: _thaw(x) for k, x in v.items()}
    return v


def _settings_type(hint) -> type | None:
    """The settings class inside a type hint (``X``, ``X | None``), or None."""
    cands = typing.get_args(hint) or (hint,)
    for c in cands:
        if isinstance(c, type) and issubclass(c, Settings):
            return c
    return None


class Settings:
    """Base of the frozen settings dataclasses (see the module docstring)."""

    schema_path: ClassVar[str] = ""
    schema_fills_defaults: ClassVar[bool] = True

    @classmethod
    def from_dict(cls: type[T], values: Mapping | None = None, *, where: str | None = None) -> T:
        """Settings from a config section; missing keys take the defaults.

        Parameters
        ----------
        values : mapping, optional
            The section (validated or not); ``None`` gives the defaults.
        where : str, optional
            Dotted config key of the section, named in errors (defaults to the
            schema location).

        Raises
        ------
        ConfigError
            For a key the settings do not know, naming it.
        """
        where = where or cls.schema_path
        values = dict(values or {})
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(
                f"config key '{where}.{unknown[0]}': unknown key; allowed keys here: "
                f"{', '.join(sorted(known))}"
            )
        hints = typing.get_type_hints(cls)
        kwargs: dict[str, Any] = {}
        for name, v in values.items():
            sub = _settings_type(hints[name])
            if sub is not None and isinstance(v, Mapping):
                v = sub.from_dict(v, where=f"{where}.{name}")
            kwargs[name] = _freeze(v)
        return cls(**kwargs)

    def to_dict(self) -> dict:
        """Plain config-style dict (tuples as lists, nested settings as dicts)."""
        return {f.name: _thaw(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def replace(self: T, **changes) -> T:
        """A copy with some fields changed (:func:`dataclasses.replace`)."""
        return dataclasses.replace(self, **{k: _freeze(v) for k, v in changes.items()})
