"""Logging set-up for workflow jobs: one log file per job, with progress lines."""

from __future__ import annotations

import logging
import sys


def setup_job_logging(path, name: str = "corephase") -> logging.Logger:
    """Send the package's log records (INFO and up) to ``path`` and stderr.

    Warnings from Python (e.g. ObsPy) are captured too, and an uncaught
    exception is written to the log file with its full traceback before the
    job fails (so that a cluster user finds it beside the job's other lines).
    """
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    for h in list(logger.handlers):
        logger.removeHandler(h)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    fh = logging.FileHandler(path, mode="w")
    fh.setFormatter(fmt)
    logger.addHandler(fh)
    sh = logging.StreamHandler(sys.stderr)
    sh.setFormatter(fmt)
    logger.addHandler(sh)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").addHandler(fh)
    _log_uncaught_exceptions(logger)
    _condense_unraisable(logger)
    return logger


def _condense_unraisable(logger: logging.Logger) -> None:
    """Log exceptions Python can only ignore (e.g. in C callbacks) as one line per kind.

    ObsPy's miniSEED writer reports a failing write (a full disk) from a C
    callback hundreds of times per job, each with a traceback; the log keeps
    the first of each kind and a count of the repeats when the job ends.
    """
    import atexit

    seen: dict[tuple[str, str], int] = {}

    def hook(args):
        key = (type(args.exc_value).__name__, str(args.exc_value))
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 1:
            where = f" in {args.object!r}" if args.object is not None else ""
            logger.warning("ignored exception%s: %s: %s", where, *key)

    def report():
        for (name, text), n in seen.items():
            if n > 1:
                logger.warning("ignored exception %s: %s repeated %d times", name, text, n)

    sys.unraisablehook = hook
    atexit.register(report)


def _log_uncaught_exceptions(logger: logging.Logger) -> None:
    """Chain ``sys.excepthook`` so that an uncaught exception reaches the job's log."""
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        if not issubclass(exc_type, KeyboardInterrupt):
            for h in logger.handlers:
                if isinstance(h, logging.FileHandler):
                    record = logger.makeRecord(
                        logger.name, logging.ERROR, "", 0, "job failed", None, (exc_type, exc, tb)
                    )
                    h.handle(record)
        previous(exc_type, exc, tb)

    sys.excepthook = hook
