"""One set of defaults: the typed settings and the packaged schema agree key by key."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import pytest
import yaml

import corephase.config
from corephase.config import DEFAULT_SCHEMA, ConfigError
from corephase.config.base import SECTIONS, Settings, _settings_type

for _m in pkgutil.iter_modules(corephase.config.__path__):
    importlib.import_module(f"corephase.config.{_m.name}")

SCHEMA = yaml.safe_load(DEFAULT_SCHEMA.read_text())


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        ref = node["$ref"].removeprefix("#/").split("/")
        target = SCHEMA
        for part in ref:
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _schema_node(path: str) -> dict:
    parts = path.split(".")
    if parts[0] == "$defs":
        node = SCHEMA["$defs"][parts[1]]
        parts = parts[2:]
    else:
        node = SCHEMA
    for p in parts:  # "*" steps into additionalProperties (e.g. "dense_networks.*.trigger")
        node = _resolve(node)
        node = node["additionalProperties"] if p == "*" else node["properties"][p]
    return _resolve(node)


def _norm(v):
    if isinstance(v, list | tuple):
        return [_norm(x) for x in v]
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int | float):
        return float(v)
    return v


def _check(cls: type[Settings], node: dict, fills: bool, where: str) -> list[str]:
    problems = []
    props = node.get("properties", {})
    default = cls()
    hints = __import__("typing").get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key = f"{where}.{f.name}"
        if f.name not in props:
            problems.append(f"{key}: a setting the schema does not know")
            continue
        sub = _resolve(props[f.name])
        value = getattr(default, f.name)
        sub_cls = _settings_type(hints[f.name])
        if sub_cls is not None and "properties" in sub:
            problems += _check(sub_cls, sub, fills and sub_cls.schema_fills_defaults, key)
            value = value.to_dict() if isinstance(value, Settings) else value
        if fills:
            if "default" not in sub:
                problems.append(f"{key}: the schema declares no default (settings: {value!r})")
            elif sub_cls is None and _norm(sub["default"]) != _norm(
                value.to_dict() if isinstance(value, Settings) else value
            ):
                problems.append(
                    f"{key}: schema default {sub['default']!r} != settings default {value!r}"
                )
        elif "default" in sub:
            problems.append(f"{key}: the schema declares a default where only settings may")
    for name in props:
        if name not in {f.name for f in dataclasses.fields(cls)}:
            problems.append(f"{where}.{name}: in the schema but not in {cls.__name__}")
    return problems


def test_every_concern_has_settings():
    assert {"stack", "coda", "$defs.synthetic", "fetch"} <= set(SECTIONS), sorted(SECTIONS)


@pytest.mark.parametrize("path", sorted(SECTIONS))
def test_schema_and_settings_defaults_agree(path):
    cls = SECTIONS[path]
    problems = _check(cls, _schema_node(path), cls.schema_fills_defaults, path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", sorted(SECTIONS))
def test_settings_round_trip_and_name_unknown_keys(path):
    cls = SECTIONS[path]
    default = cls()
    assert cls.from_dict(default.to_dict()) == default
    with pytest.raises(ConfigError, match=r"no_such_key': unknown key"):
        cls.from_dict({"no_such_key": 1})
