"""utils.jobs.start_job: the job's log file and the frozen import-time objects."""

import subprocess
import sys


def test_start_job_logs_and_freezes_imports(tmp_path):
    log = tmp_path / "job.log"
    code = (
        "import gc, logging, sys\n"
        "from corephase.utils.jobs import start_job\n"
        "assert gc.get_freeze_count() == 0\n"
        f"logger = start_job({str(log)!r})\n"
        "logger.info('hello from the job')\n"
        "print(gc.get_freeze_count(), gc.isenabled())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert int(out[0]) > 1000  # the interpreter's and corephase's objects are frozen
    assert out[1] == "True"  # collection itself stays on for the job's own objects
    assert "hello from the job" in log.read_text()
