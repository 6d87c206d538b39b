"""Configuration: validation against the JSON schema and defaults.

The schema ships with the package (``corephase/config/schema.yaml``); defaults
declared there are filled in. Validation errors name the offending key as a dotted path
(``arrays.YKA.source``) and say what was expected.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators

DEFAULT_SCHEMA = Path(__file__).with_name("schema.yaml")


class ConfigError(ValueError):
    """A configuration value is missing or invalid; the message names the key."""


def _extend_with_default(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if "default" in sub and prop not in instance:
                    instance[prop] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(validator_class, {"properties": set_defaults})


_DefaultFilling = _extend_with_default(Draft202012Validator)


def _key_path(error) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        parts.append(missing)
    if error.validator == "additionalProperties" and "'" in error.message:
        extra = error.message.split("'")[1]
        parts.append(extra)
    return ".".join(parts) or "<top level>"


def _describe(error) -> str:
    v = error.validator
    sch = error.schema
    if v == "additionalProperties":
        allowed = sorted((error.schema.get("properties") or {}).keys())
        return f"unknown key; allowed keys here: {', '.join(allowed)}"
    if v == "enum":
        return f"expected one of {sch['enum']}, got {error.instance!r}"
    if v == "type":
        return f"expected {sch['type']}, got {type(error.instance).__name__} {error.instance!r}"
    if v == "required":
        return "required key is missing"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{error.message}"
    return error.message


def validate_config(config: dict, schema_path: str | Path | None = None) -> dict:
    """Validate ``config`` in place against the schema and fill defaults.

    Parameters
    ----------
    config : dict
        Parsed configuration (e.g. Snakemake's ``config``).
    schema_path : path, optional
        Schema file; defaults to the packaged ``schema.yaml``.

    Returns
    -------
    dict
        The same object, with defaults filled.

    Raises
    ------
    ConfigError
        For the first invalid key (best match), naming it as a dotted path.
    """
    schema_path = Path(schema_path or DEFAULT_SCHEMA)
    schema = yaml.safe_load(schema_path.read_text())
    validator = _DefaultFilling(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        from jsonschema.exceptions import best_match

        err = best_match(errors)
        raise ConfigError(f"config key '{_key_path(err)}': {_describe(err)}")
    _semantic_checks(config)
    return config


def _semantic_checks(config: dict) -> None:
    for i, band in enumerate(config.get("bands", [])):
        if band["fmin"] >= band["fmax"]:
            raise ConfigError(
                f"config key 'bands.{i}': fmin ({band['fmin']}) must be below "
                f"fmax ({band['fmax']})"
            )
        nyq = 0.5 * config["preprocess"]["sampling_rate_hz"]
        if band["fmax"] >= nyq:
            raise ConfigError(
                f"config key 'bands.{i}.fmax': {band['fmax']} Hz is not below the Nyquist "
                f"frequency {nyq} Hz of preprocess.sampling_rate_hz"
            )
    names = [b["name"] for b in config.get("bands", [])]
    if len(set(names)) != len(names):
        raise ConfigError(f"config key 'bands': band names must be unique, got {names}")
    lo, hi = config["distance_deg"]
    if not 0 <= lo < hi <= 180:
        raise ConfigError(f"config key 'distance_deg': need 0 <= min < max <= 180, got {[lo, hi]}")
    for name, arr in config.get("arrays", {}).items():
        if arr["source"] == "synthetic" and "elements" not in arr:
            raise ConfigError(
                f"config key 'arrays.{name}.elements': a synthetic array needs element "
                "positions (list, csv or layout)"
            )
        if arr["source"] == "local" and "path" not in arr:
            raise ConfigError(f"config key 'arrays.{name}.path': a local array needs a path")


def load_config(path, schema_path=None) -> dict:
    """Read a YAML config file and validate it (see :func:`validate_config`)."""
    with open(path) as fh:
        config = yaml.safe_load(fh) or {}
    return validate_config(config, schema_path)
