"""Configuration: validation against the JSON schema and defaults.

The schema ships with the package (``corephase/config/schema.yaml``); defaults
declared there are filled in. Validation errors name the offending key as a dotted path
(``arrays.YKA.source``) and say what was expected. PyYAML and jsonschema are imported
where a file is read or a config validated, so the per-pair jobs, which import
:class:`ConfigError` through the settings classes, load neither.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path

DEFAULT_SCHEMA = Path(__file__).with_name("schema.yaml")


class ConfigError(ValueError):
    """A configuration value is missing or invalid; the message names the key."""


def _extend_with_default(validator_class):
    from jsonschema import validators

    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if "default" in sub and prop not in instance:
                    instance[prop] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(validator_class, {"properties": set_defaults})


@cache
def _default_filling():
    """The Draft 2020-12 validator class that fills defaults (imports jsonschema on first use;
    jobs that only build settings never need it)."""
    from jsonschema import Draft202012Validator

    return _extend_with_default(Draft202012Validator)


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
    import yaml

    schema_path = Path(schema_path or DEFAULT_SCHEMA)
    schema = yaml.safe_load(schema_path.read_text())
    validator = _default_filling()(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        from jsonschema.exceptions import best_match

        err = best_match(errors)
        raise ConfigError(f"config key '{_key_path(err)}': {_describe(err)}")
    _semantic_checks(config)
    return config


#: One SEED code pattern: letters, digits, ``-``, and the wildcards ``?`` and ``*``.
_CODE_PATTERN = re.compile(r"^[A-Za-z0-9?*-]*$")


def _check_code_patterns(config: dict) -> None:
    """Network, station, location and channel patterns must parse (comma lists, ? and *)."""
    entries = [("arrays", config.get("arrays") or {})]
    entries.append(("dense_networks", config.get("dense_networks") or {}))
    for section, items in entries:
        for name, arr in items.items():
            for key in ("network", "station", "location", "channels"):
                value = arr.get(key)
                if value is None or (key == "location" and value == ""):
                    continue  # an empty location code is valid (also written "--")
                parts = value if isinstance(value, list) else str(value).split(",")
                for part in parts:
                    if not part.strip() or not _CODE_PATTERN.match(part.strip()):
                        raise ConfigError(
                            f"config key '{section}.{name}.{key}': {value!r} is not a SEED code "
                            "pattern (comma-separated codes of letters, digits, ? and *)"
                        )


def _semantic_checks(config: dict) -> None:
    _check_code_patterns(config)
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
        _check_reference(name, arr)


def _check_reference(name: str, arr: dict) -> None:
    """ref_lat/ref_lon come together; only a local array may leave them out."""
    given = [k for k in ("ref_lat", "ref_lon") if k in arr]
    if len(given) == 1:
        other = "ref_lon" if given == ["ref_lat"] else "ref_lat"
        raise ConfigError(f"config key 'arrays.{name}.{other}': give ref_lat and ref_lon together")
    if not given and arr["source"] != "local":
        raise ConfigError(
            f"config key 'arrays.{name}.ref_lat': required key is missing (only a local "
            "array takes its reference point from its StationXML)"
        )
    if "ref_station" in arr and arr["source"] != "local":
        raise ConfigError(
            f"config key 'arrays.{name}.ref_station': only for local arrays (give ref_lat "
            "and ref_lon)"
        )


def load_config(path, schema_path=None) -> dict:
    """Read a YAML config file and validate it (see :func:`validate_config`).

    The file is parsed by libyaml's safe loader where PyYAML was built with it (it reads a
    10^5-pair study's YAML about 5 times faster than the pure-Python one), else by the
    pure-Python safe loader.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path) as fh:
        config = yaml.load(fh, Loader=loader) or {}
    return validate_config(config, schema_path)


#: Columns of a curation table (one row per event, array and phase it decides).
CURATION_COLUMNS = ("event", "array", "phase", "accept", "reason")


def check_inputs(config: dict, event_ids=None, base_dir: str | Path = ".") -> list[str]:
    """Checks of the files a validated config names, made before the first job runs.

    Parameters
    ----------
    config : dict
        A validated configuration.
    event_ids : iterable of str, optional
        The planned events; curation rows naming other events are reported.
    base_dir : path
        Folder that relative paths are relative to (the workflow's working directory).

    Returns
    -------
    list of str
        Warnings: curation rows that name an array or event the study does not have
        (those rows can never apply).

    Raises
    ------
    ConfigError
        A local array's ``path`` or the ``curation`` file does not exist, or the
        curation file lacks its columns; the message names the key and the path.
    """
    base = Path(base_dir)
    for name, arr in config.get("arrays", {}).items():
        if arr.get("source") == "local" and not (base / arr["path"]).exists():
            raise ConfigError(
                f"config key 'arrays.{name}.path': {arr['path']} does not exist "
                f"(relative paths are relative to {base.resolve()})"
            )
    cur = config.get("curation")
    if not cur:
        return []
    path = base / cur
    if not path.is_file():
        raise ConfigError(f"config key 'curation': file {cur} does not exist")
    import csv

    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    need = set(CURATION_COLUMNS)
    have = set(rows[0]) if rows else need
    if not need <= have:
        raise ConfigError(
            f"config key 'curation': {cur} lacks the columns {sorted(need - have)} "
            f"(expected {', '.join(CURATION_COLUMNS)})"
        )
    arrays = set(config.get("arrays", {})) | set(config.get("dense_networks") or {})
    events = None if event_ids is None else set(event_ids)
    warnings = []
    for i, row in enumerate(rows, start=2):
        if row["array"] not in arrays:
            warnings.append(f"{cur} line {i}: array {row['array']!r} is not configured")
        elif events is not None and row["event"] not in events:
            warnings.append(f"{cur} line {i}: event {row['event']!r} is not planned")
    return warnings
