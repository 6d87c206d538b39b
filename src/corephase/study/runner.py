"""``corephase run-study``: a study of any size as batches, one after the other, then summaries.

The study is planned once (:func:`corephase.study.batches.load_study`) and cut into
batches (:func:`corephase.study.batches.split_study`). Each batch is one Snakemake run
(``python -m snakemake`` of this Python, as a subprocess) with the user's options and
``--config 'batch={...}'``; its output goes to the batch's log in the state folder and
to the terminal. The state file (:class:`corephase.study.state.StudyState`) records each
batch; a rerun skips the batches that finished with an unchanged fingerprint, and
Snakemake itself skips the finished jobs of a batch that was cut short.

The summaries (rules ``tables``, ``catalogue``, ``maps``, ``global_figures``, ``coda_compare``,
and the configured experiments) are made by one last run with ``--allowed-rules`` set
to those rules: Snakemake then takes every pair's files as existing inputs instead of
planning the per-pair jobs that made them (one job with many inputs, not five jobs
per pair), and remakes a summary only when a pair's file is newer than it.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import corephase
from corephase.planning.globalplan import DEFAULT_BATCH_PAIRS
from corephase.study.batches import Batch, load_study, split_study
from corephase.study.state import StateError, StudyState

log = logging.getLogger("corephase.study")

#: Rules of the summary run (the products over all pairs).
SUMMARY_RULES = ("tables", "catalogue", "maps", "global_figures", "coda_compare")

#: Snakemake's dry-run options: batches are then shown, not recorded, and no summaries made.
DRY_RUN_OPTIONS = ("-n", "--dry-run", "--dryrun")

#: Snakemake options that run-study sets itself.
RESERVED_OPTIONS = ("--config", "-C", "--configfile", "--configfiles", "--allowed-rules")


class StudyError(Exception):
    """Bad run-study input (options, state file); the message says what to change."""


def option_value(options: list[str], *names: str) -> str | None:
    """The value of the last of ``names`` in a Snakemake option list (None if absent)."""
    value = None
    for i, opt in enumerate(options):
        for name in names:
            if opt == name and i + 1 < len(options):
                value = options[i + 1]
            elif opt.startswith(name + "="):
                value = opt.split("=", 1)[1]
    return value


def find_snakefile(options: list[str]) -> Path:
    """The Snakefile: ``--snakefile`` of the options, ``./Snakefile``, or the checkout's."""
    given = option_value(options, "--snakefile", "-s")
    candidates = [Path(given)] if given else [Path("Snakefile")]
    if not given:
        candidates.append(Path(corephase.__file__).resolve().parents[2] / "Snakefile")
    for path in candidates:
        if path.is_file():
            return path.resolve()
    raise StudyError(
        f"no Snakefile at {', '.join(map(str, candidates))}: run from the corephase "
        "folder or give --snakefile after --"
    )


def check_options(options: list[str]) -> None:
    """StudyError for Snakemake options that run-study sets itself."""
    for opt in options:
        name = opt.split("=", 1)[0]
        if name in RESERVED_OPTIONS:
            raise StudyError(
                f"snakemake option {name} is set by run-study: put settings in the study's "
                "configuration file"
            )


def plural(n: int, word: str) -> str:
    """``"1 pair"``, ``"2 pairs"``, ``"2 batches"``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}{'es' if word.endswith('ch') else 's'}"


def duration(seconds: float) -> str:
    """``seconds`` as "1 h 02 min", "3 min 20 s" or "45 s"."""
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"


class _Terminated(Exception):
    """SIGTERM received (raised in the main thread by the signal handler)."""


def _raise_terminated(signum, frame):
    raise _Terminated()


def run_logged(cmd: list[str], log_path: Path) -> int:
    """Run ``cmd``, copying its output to ``log_path`` and stderr; its exit status.

    On an interruption (Ctrl-C or SIGTERM) the command is stopped with SIGTERM (Snakemake
    then cancels its jobs and releases its lock) and the interruption propagates.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as fh:
        fh.write("$ " + " ".join(cmd) + "\n")
        fh.flush()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            for line in proc.stdout:
                fh.write(line)
                sys.stderr.write(line)
            return proc.wait()
        except BaseException:
            proc.terminate()
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise


class StudyRunner:
    """Runs one study's batches and summaries (see the module documentation).

    Parameters
    ----------
    config_path : path
        The study's configuration file (it replaces the workflow's demo config).
    options : list of str
        Snakemake options for every run (e.g. ``["--cores", "4"]`` or
        ``["--workflow-profile", "profiles/slurm"]``).
    max_pairs : int
        Largest batch (pairs).
    state_dir : path, optional
        State folder (default ``results/study`` of the working folder).
    snakemake : list of str, optional
        The Snakemake command (default: ``python -m snakemake`` of this Python).
    """

    def __init__(
        self,
        config_path,
        options: list[str],
        max_pairs: int = DEFAULT_BATCH_PAIRS,
        state_dir=None,
        snakemake: list[str] | None = None,
    ):
        check_options(options)
        self.options = list(options)
        self.dry_run = any(o in DRY_RUN_OPTIONS for o in options)
        self.workdir = Path(option_value(options, "--directory", "-d") or ".").resolve()
        self.config_path = Path(config_path).resolve()
        self.max_pairs = int(max_pairs)
        try:
            self.state = StudyState(
                Path(state_dir).resolve() if state_dir else self.workdir / "results" / "study"
            )
        except StateError as err:
            raise StudyError(str(err)) from None
        self.snakemake = snakemake or [sys.executable, "-m", "snakemake"]
        self.base = [*self.snakemake, "--configfile", str(self.config_path)]
        if not option_value(options, "--snakefile", "-s"):
            self.base += ["--snakefile", str(find_snakefile(options))]
        self.study = load_study(self.config_path, self.workdir)
        self.batches = split_study(self.study, self.max_pairs)

    # ------------------------------------------------------------------ batches
    def batch_command(self, batch: Batch) -> list[str]:
        """The Snakemake command of one batch."""
        selection = json.dumps(batch.selection, separators=(", ", ": "))
        return [
            *self.base,
            "--config",
            f"batch={selection}",
            "--rerun-incomplete",
            *self.options,
        ]

    def summary_command(self) -> list[str]:
        """The Snakemake command of the summary run (see the module documentation)."""
        from corephase.experiment.outputs import OUTPUTS

        rules, targets = list(SUMMARY_RULES), list(SUMMARY_RULES)
        experiments = self.study.config.get("experiments") or {}
        if experiments:
            rules.append("experiment")
            targets += [
                f"results/experiments/{name}/{path}"
                for name in experiments
                for path in OUTPUTS.values()
            ]
        return [
            *self.snakemake,
            *targets,
            *self.base[len(self.snakemake) :],
            "--rerun-incomplete",
            *self.options,
            "--allowed-rules",
            *rules,
        ]

    def run_batch(self, batch: Batch) -> bool:
        """Run one batch and record how it ended (not in a dry run); True when it finished."""
        if self.dry_run:
            return run_logged(self.batch_command(batch), self.state.log_path(batch)) == 0
        self.state.begin(batch)
        t0 = time.monotonic()
        try:
            rc = run_logged(self.batch_command(batch), self.state.log_path(batch))
        except (KeyboardInterrupt, _Terminated):
            self.state.end(batch, "interrupted", time.monotonic() - t0, None)
            raise
        seconds = time.monotonic() - t0
        self.state.end(batch, "done" if rc == 0 else "failed", seconds, rc)
        if rc != 0:
            log.error(
                "study: batch %s failed (snakemake exit status %d); see %s. Rerun the same "
                "command to retry it.",
                batch.label,
                rc,
                self.state.log_path(batch),
            )
        return rc == 0

    # ------------------------------------------------------------------ progress
    def progress(self, started: float, ran_seconds: float, ran_pairs: int) -> str:
        """One line: batches and pairs done/left, elapsed time, estimated time left."""
        done = [b for b in self.batches if self.state.is_done(b)]
        pairs_done = sum(len(b.pairs) for b in done)
        pairs_left = sum(len(b.pairs) for b in self.batches) - pairs_done
        line = (
            f"study: {len(done)} of {plural(len(self.batches), 'batch')} done, "
            f"{len(self.batches) - len(done)} left; {plural(pairs_done, 'pair')} done, "
            f"{pairs_left} left; elapsed {duration(time.monotonic() - started)}"
        )
        if ran_pairs and pairs_left:
            eta = pairs_left * ran_seconds / ran_pairs
            line += f", about {duration(eta)} left ({ran_seconds / ran_pairs:.1f} s per pair)"
        return line

    def describe(self) -> None:
        """Log the batch plan."""
        done = sum(self.state.is_done(b) for b in self.batches)
        log.info(
            "study: %s, %s in %s of at most %s (%d already done)",
            self.config_path.name,
            plural(len(self.study.pairs), "pair"),
            plural(len(self.batches), "batch"),
            plural(self.max_pairs, "pair"),
            done,
        )
        for i, b in enumerate(self.batches, 1):
            state = "done" if self.state.is_done(b) else "to run"
            log.info("  batch %d: %s, %s, %s", i, b.label, plural(len(b.pairs), "pair"), state)

    # ------------------------------------------------------------------ the study
    def run(self, max_batches: int | None = None, keep_going: bool = False) -> int:
        """Run the batches not yet done, then the summaries; the exit status.

        0: the study is complete (or ``max_batches`` batches ran and none failed); 1: a
        batch or the summary run failed (the state records it; a rerun retries it);
        130: interrupted (the interrupted batch is run again next time).
        """
        self.state.start_study(self.config_path, self.max_pairs, self.batches)
        self.describe()
        started = time.monotonic()
        ran_seconds, ran_pairs, ran, failed = 0.0, 0, 0, 0
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
        try:
            for i, batch in enumerate(self.batches, 1):
                if self.state.is_done(batch):
                    continue
                if max_batches is not None and ran >= max_batches:
                    log.info(
                        "study: stopped after %s (--max-batches); run again to continue",
                        plural(ran, "batch"),
                    )
                    return 0
                log.info(
                    "study: batch %d of %d: %s, %s",
                    i,
                    len(self.batches),
                    batch.label,
                    plural(len(batch.pairs), "pair"),
                )
                t0 = time.monotonic()
                ok = self.run_batch(batch)
                ran += 1
                if not ok:
                    failed += 1
                    if not keep_going:
                        return 1
                    continue
                ran_seconds += time.monotonic() - t0
                ran_pairs += len(batch.pairs)
                log.info("%s", self.progress(started, ran_seconds, ran_pairs))
            if failed:
                log.error(
                    "study: %s failed: %s; no summaries made",
                    plural(failed, "batch"),
                    ", ".join(self.state.failed()),
                )
                return 1
            if self.dry_run:
                log.info("study: dry run; nothing recorded, no summaries planned")
                return 0
            return self.run_summaries()
        except (KeyboardInterrupt, _Terminated):
            log.error("study: interrupted; run the same command again to continue")
            return 130
        finally:
            signal.signal(signal.SIGTERM, previous)

    def run_summaries(self) -> int:
        """The summary run over every pair's files; its exit status."""
        log.info("study: every batch done; making the summaries")
        t0 = time.monotonic()
        path = self.state.folder / "logs" / "summaries.log"
        try:
            rc = run_logged(self.summary_command(), path)
        except (KeyboardInterrupt, _Terminated):
            self.state.record_summaries("interrupted", time.monotonic() - t0, None)
            raise
        self.state.record_summaries("done" if rc == 0 else "failed", time.monotonic() - t0, rc)
        if rc != 0:
            log.error("study: the summary run failed (exit status %d); see %s", rc, path)
            return 1
        log.info(
            "study: complete, %s; summaries in results/summary",
            plural(len(self.study.pairs), "pair"),
        )
        return 0
