"""A study's pairs split into batches of arrays and origin years that plan quickly.

The workflow plans and runs a subset of a study's pairs with its ``batch`` config key
(``--config 'batch={arrays: [A], years: [Y]}'``: pairs of the listed arrays whose event
origin year is listed). This module plans the whole study once, with the workflow's own
functions (:func:`corephase.planning.pairs.plan_pairs`), and cuts the pairs into such
selections of at most ``max_pairs`` pairs each:

* arrays with at most ``max_pairs`` pairs in all are packed whole, several per batch,
  in alphabetical order (``{"arrays": [A, B]}``, every year);
* a larger array is cut into runs of consecutive origin years (``{"arrays": [A],
  "years": [2012, 2013]}``); one array-year with more than ``max_pairs`` pairs is a
  batch of its own (the workflow cannot select finer).

Each batch carries a fingerprint of everything its pairs' results depend on (the
shared settings, its arrays' entries, its events and pairs): a batch whose fingerprint
changed since it finished is run again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from corephase.config import ConfigError
from corephase.config.validation import load_config
from corephase.io.files import jsonable
from corephase.model.events import Event
from corephase.planning.globalplan import DEFAULT_BATCH_PAIRS, split_pairs
from corephase.planning.pairs import plan_pairs, resolve_references, study_events

#: Config sections that no per-pair job reads: editing them does not re-run batches.
SUMMARY_ONLY_SECTIONS = ("arrays", "events", "batch", "maps", "experiments", "dense_networks")


@dataclass(frozen=True)
class Study:
    """A validated study configuration with its events and planned (array, event) pairs."""

    config: dict
    events: dict[str, Event]
    pairs: list[tuple[str, str]]


@dataclass(frozen=True)
class Batch:
    """One batch: arrays, origin years (None: every year), its pairs and fingerprint."""

    arrays: tuple[str, ...]
    years: tuple[int, ...] | None
    pairs: tuple[tuple[str, str], ...]
    fingerprint: str

    @property
    def selection(self) -> dict:
        """The workflow's ``batch`` config value selecting this batch."""
        out: dict = {"arrays": list(self.arrays)}
        if self.years is not None:
            out["years"] = list(self.years)
        return out

    @property
    def key(self) -> str:
        """Identifier of the selection, e.g. ``"YKA|2012,2013"`` or ``"BCAR,ILAR|*"``."""
        years = ",".join(map(str, self.years)) if self.years is not None else "*"
        return f"{','.join(self.arrays)}|{years}"

    @property
    def label(self) -> str:
        """Readable selection, e.g. ``"YKA 2012-2013"`` or ``"BCAR, ILAR (all years)"``."""
        arrays = ", ".join(self.arrays)
        return f"{arrays} {_year_ranges(self.years)}" if self.years else f"{arrays} (all years)"


def _year_ranges(years) -> str:
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def load_study(path, base_dir: str | Path = ".") -> Study:
    """Validate the configuration file ``path`` and plan its pairs.

    ``base_dir`` is the workflow's working folder (relative paths of the config are
    relative to it). A ``batch`` key in the file restricts the study to its selection.

    Raises
    ------
    ConfigError
        Invalid configuration (message names the key), e.g. a batch naming an array
        that is not configured.
    OSError, yaml.YAMLError
        The file cannot be read.
    """
    config = load_config(path)
    if config.get("dense_networks"):
        raise ConfigError(
            "config key 'dense_networks': run-study runs the first stage only; remove the "
            "section, and run the dense-network stage with snakemake afterwards"
        )
    resolve_references(config, base_dir)
    events = study_events(config, base_dir)
    pairs = plan_pairs(config, list(events.values()))
    select = config.get("batch") or {}
    unknown = [a for a in select.get("arrays") or [] if a not in config["arrays"]]
    if unknown:
        raise ConfigError(
            f"config key 'batch.arrays': array {unknown[0]!r} is not configured "
            f"(arrays: {', '.join(config['arrays'])})"
        )
    arrays = set(select.get("arrays") or config["arrays"])
    years = {str(y) for y in select.get("years") or []}
    pairs = [
        (a, e) for a, e in pairs if a in arrays and (not years or events[e].time[:4] in years)
    ]
    return Study(config, events, pairs)


def _canonical(obj) -> str:
    return json.dumps(jsonable(obj), sort_keys=True, default=str)


def fingerprint(study: Study, arrays, pairs, _texts: dict | None = None) -> str:
    """Hash of what the results of ``pairs`` depend on (16 hex digits).

    The per-pair settings (the config without :data:`SUMMARY_ONLY_SECTIONS`), the
    entries of ``arrays``, the events of the pairs and the pairs themselves.
    ``_texts`` caches the canonical JSON of the settings and events between calls.
    """
    texts = {} if _texts is None else _texts
    cfg = study.config
    if "settings" not in texts:
        texts["settings"] = _canonical(
            {k: v for k, v in cfg.items() if k not in SUMMARY_ONLY_SECTIONS}
        )
    h = hashlib.sha256(texts["settings"].encode())
    h.update(_canonical({a: cfg["arrays"][a] for a in arrays}).encode())
    for e in sorted({e for _, e in pairs}):
        if e not in texts:
            texts[e] = _canonical(study.events[e].to_dict())
        h.update(texts[e].encode())
    h.update(_canonical(sorted(pairs)).encode())
    return h.hexdigest()[:16]


def split_study(study: Study, max_pairs: int = DEFAULT_BATCH_PAIRS) -> list[Batch]:
    """The study's batches (see the module documentation), each with its fingerprint."""
    years = {e: int(study.events[e].time[:4]) for e in {e for _, e in study.pairs}}
    cells: dict[str, dict[int, list[tuple[str, str]]]] = {}
    for a, e in study.pairs:
        cells.setdefault(a, {}).setdefault(years[e], []).append((a, e))
    out, texts = [], {}
    for arrays, ys in split_pairs(study.pairs, years, max_pairs):
        pairs = tuple(
            p for a in arrays for y in (ys or sorted(cells[a])) for p in cells[a].get(y, [])
        )
        out.append(Batch(arrays, ys, pairs, fingerprint(study, arrays, pairs, texts)))
    return out
