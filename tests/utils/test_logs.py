"""Job logs hold the traceback of a failing job."""

from __future__ import annotations

import subprocess
import sys


def test_failing_job_log_ends_with_the_traceback(tmp_path):
    log = tmp_path / "job.log"
    script = tmp_path / "job.py"
    script.write_text(
        "from corephase.utils.logs import setup_job_logging\n"
        f"log = setup_job_logging({str(log)!r})\n"
        "log.info('pair YKA ev1: status ok')\n"
        "def stage():\n"
        "    raise ValueError('bad record in waveforms.mseed')\n"
        "stage()\n"
    )
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert res.returncode == 1
    text = log.read_text()
    assert "pair YKA ev1: status ok" in text
    assert "job failed" in text
    assert "Traceback (most recent call last)" in text
    assert text.rstrip().endswith("ValueError: bad record in waveforms.mseed")
    # the console still shows it once
    assert res.stderr.count("ValueError: bad record in waveforms.mseed") >= 1


def test_ignored_callback_exceptions_become_one_line(tmp_path):
    """Hundreds of exceptions Python can only ignore give one line and a count."""
    log = tmp_path / "job.log"
    script = tmp_path / "job.py"
    script.write_text(
        "from corephase.utils.logs import setup_job_logging\n"
        f"setup_job_logging({str(log)!r})\n"
        "class Writer:\n"
        "    def __del__(self):\n"
        "        raise OSError(28, 'No space left on device')\n"
        "for _ in range(300):\n"
        "    Writer()\n"
    )
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert res.returncode == 0
    lines = log.read_text().splitlines()
    assert len(lines) == 2, lines
    assert "No space left on device" in lines[0]
    assert "repeated 300 times" in lines[1]
    assert "Traceback" not in res.stderr
