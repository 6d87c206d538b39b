"""The state file of a batched study: what each batch and the summaries last did.

One JSON file (``state.json`` in the study's state folder), rewritten atomically with
:func:`corephase.io.files.write_json` at every change, so that an interruption at any
moment leaves the previous or the new state, never a partial file.

Layout::

    {"config": "/abs/config.yaml", "max_pairs": 2000, "pairs": 5012,
     "batches": {"YKA|2012,2013": {"arrays": ["YKA"], "years": [2012, 2013],
                                   "pairs": 1810, "fingerprint": "…", "status": "done",
                                   "started": "…", "finished": "…", "seconds": 512.3,
                                   "returncode": 0, "log": "logs/YKA_2012_2013.log"}, …},
     "summaries": {"status": "done", "finished": "…", "seconds": 41.0, …}}

A batch's ``status`` is ``running`` (set when it starts: a killed run leaves it),
``done``, ``failed`` or ``interrupted``. Only ``done`` with the batch's current
fingerprint counts as finished.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from corephase.io.files import read_json, write_json
from corephase.study.batches import Batch

STATE_FILE = "state.json"


class StateError(Exception):
    """The state file cannot be read; the message says what to do."""


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class StudyState:
    """The state file of one study (see the module documentation).

    Parameters
    ----------
    folder : path
        The state folder; the file is ``folder/state.json`` and batch logs go to
        ``folder/logs/``.
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.path = self.folder / STATE_FILE
        try:
            self.data: dict = read_json(self.path) if self.path.exists() else {}
            self.data.setdefault("batches", {})
        except (ValueError, AttributeError) as err:
            raise StateError(
                f"{self.path} is not a study state file ({err}): delete it to start the "
                "record afresh (Snakemake still skips the pairs that are finished)"
            ) from None

    def start_study(self, config_path, max_pairs: int, batches: list[Batch]) -> None:
        """Record the current plan; keep earlier records of batches still planned."""
        old = self.data["batches"]
        self.data.update(
            config=str(config_path),
            max_pairs=int(max_pairs),
            pairs=sum(len(b.pairs) for b in batches),
            batches={b.key: old.get(b.key, {}) for b in batches},
        )
        for b in batches:
            self.data["batches"][b.key].update(
                arrays=list(b.arrays), years=None if b.years is None else list(b.years)
            )
            self.data["batches"][b.key]["pairs"] = len(b.pairs)
        self.save()

    def is_done(self, batch: Batch) -> bool:
        """True when ``batch`` finished with its current fingerprint."""
        rec = self.data["batches"].get(batch.key, {})
        return rec.get("status") == "done" and rec.get("fingerprint") == batch.fingerprint

    def log_path(self, batch: Batch) -> Path:
        """The batch's Snakemake log file (overwritten by each attempt)."""
        years = "_".join(map(str, batch.years)) if batch.years is not None else "all"
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", "_".join([*batch.arrays, years]))
        return self.folder / "logs" / f"{name}.log"

    def begin(self, batch: Batch) -> None:
        """Mark ``batch`` as running (a kill leaves it so: it is then run again)."""
        rec = self.data["batches"][batch.key]
        for k in ("finished", "seconds", "returncode"):
            rec.pop(k, None)
        rec.update(
            status="running",
            fingerprint=batch.fingerprint,
            started=now(),
            log=str(self.log_path(batch).relative_to(self.folder)),
        )
        self.save()

    def end(self, batch: Batch, status: str, seconds: float, returncode: int | None) -> None:
        """Record how ``batch`` ended (``done``, ``failed`` or ``interrupted``)."""
        rec = self.data["batches"][batch.key]
        rec.update(status=status, finished=now(), seconds=round(seconds, 1))
        rec["returncode"] = returncode
        self.save()

    def record_summaries(self, status: str, seconds: float, returncode: int | None) -> None:
        """Record how the summary run ended."""
        self.data["summaries"] = {
            "status": status,
            "finished": now(),
            "seconds": round(seconds, 1),
            "returncode": returncode,
            "log": "logs/summaries.log",
        }
        self.save()

    def failed(self) -> list[str]:
        """Keys of the batches whose last attempt failed or was interrupted."""
        return [
            k
            for k, r in self.data["batches"].items()
            if r.get("status") in ("failed", "interrupted")
        ]

    def save(self) -> None:
        write_json(self.data, self.path)
