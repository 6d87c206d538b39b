"""The study runner with a stand-in for Snakemake: order, state, resume, failures, options.

The stand-in (a small Python script) records each call's ``batch`` selection (or
``summaries`` for the summary run) in ``calls.txt`` and fails for a selection listed in
the file ``fail.txt`` of the working folder. The real workflow runs in
tests/workflow/test_run_study.py.
"""

from __future__ import annotations

import sys
import textwrap

import pytest
import yaml

from corephase.cli import main
from corephase.io.files import read_json, write_json
from corephase.study.runner import StudyError, StudyRunner, duration

FAKE = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    args = sys.argv[1:]
    if "--allowed-rules" in args:
        call = "summaries"
    else:
        call = args[args.index("--config") + 1]
    with open("calls.txt", "a") as fh:
        fh.write(call + "\\n")
    fail = Path("fail.txt")
    sys.exit(1 if fail.exists() and call in fail.read_text().splitlines() else 0)
    """
)


def _event(eid, year, lon):
    return {
        "id": eid,
        "time": f"{year}-06-01T00:00:00",
        "latitude": 0.0,
        "longitude": lon,
        "depth_km": 10,
        "magnitude": 6.0,
    }


#: 5 pairs: A in 2012 (2 events) and 2013 (1), B in 2012 (2); no waveforms are made.
CONFIG = {
    "arrays": {
        name: {
            "source": "synthetic",
            "ref_lat": 0.0,
            "ref_lon": lon,
            "elements": {"layout": {"kind": "rings", "n": 4, "aperture_km": 2.0}},
        }
        for name, lon in (("A", 0.0), ("B", 5.0))
    },
    "events": {
        "list": [
            _event("e1", 2012, 40.0),
            _event("e2", 2012, 45.0),
            {**_event("e3", 2013, 50.0), "arrays": ["A"]},
        ]
    },
}
A12 = 'batch={"arrays": ["A"], "years": [2012]}'
A13 = 'batch={"arrays": ["A"], "years": [2013]}'
B = 'batch={"arrays": ["B"]}'


@pytest.fixture
def study(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(CONFIG))
    (tmp_path / "fake_snakemake.py").write_text(FAKE)
    return tmp_path


def _runner(wd, **kw) -> StudyRunner:
    fake = [sys.executable, str(wd / "fake_snakemake.py")]
    return StudyRunner(wd / "study.yaml", ["--cores", "1"], 2, snakemake=fake, **kw)


def _calls(wd) -> list[str]:
    path = wd / "calls.txt"
    return path.read_text().splitlines() if path.exists() else []


def test_batches_then_summaries_then_nothing_but_summaries(study):
    assert _runner(study).run() == 0
    assert _calls(study) == [B, A12, A13, "summaries"]
    state = read_json(study / "results" / "study" / "state.json")
    assert state["pairs"] == 5
    assert {r["status"] for r in state["batches"].values()} == {"done"}
    assert state["summaries"]["status"] == "done"
    assert (study / "results" / "study" / "logs" / "A_2012.log").exists()
    # a rerun plans no batch again, and lets Snakemake decide about the summaries
    assert _runner(study).run() == 0
    assert _calls(study)[4:] == ["summaries"]


def test_a_limited_run_resumes_where_it_stopped(study):
    assert _runner(study).run(max_batches=1) == 0
    assert _calls(study) == [B]
    assert _runner(study).run() == 0
    assert _calls(study) == [B, A12, A13, "summaries"]


def test_a_failed_batch_stops_the_study_and_is_retried(study):
    (study / "fail.txt").write_text(A12 + "\n")
    assert _runner(study).run() == 1
    assert _calls(study) == [B, A12]
    rec = read_json(study / "results" / "study" / "state.json")["batches"]["A|2012"]
    assert rec["status"] == "failed" and rec["returncode"] == 1
    (study / "fail.txt").unlink()
    assert _runner(study).run() == 0
    assert _calls(study)[2:] == [A12, A13, "summaries"]


def test_keep_going_runs_the_other_batches_but_makes_no_summaries(study):
    (study / "fail.txt").write_text(B + "\n")
    assert _runner(study).run(keep_going=True) == 1
    assert _calls(study) == [B, A12, A13]


def test_failed_summaries_give_a_nonzero_status(study):
    (study / "fail.txt").write_text("summaries\n")
    assert _runner(study).run() == 1
    state = read_json(study / "results" / "study" / "state.json")
    assert state["summaries"]["status"] == "failed"


def test_changed_and_killed_batches_run_again(study):
    assert _runner(study).run() == 0
    # a kill leaves a batch "running"; an edited event changes its batches' fingerprints
    state_path = study / "results" / "study" / "state.json"
    state = read_json(state_path)
    state["batches"]["B|*"]["status"] = "running"
    write_json(state, state_path)
    cfg = yaml.safe_load((study / "study.yaml").read_text())
    cfg["events"]["list"][2]["magnitude"] = 6.5  # e3: only A in 2013
    (study / "study.yaml").write_text(yaml.safe_dump(cfg))
    assert _runner(study).run() == 0
    assert _calls(study)[4:] == [B, A13, "summaries"]


def test_a_dry_run_shows_every_batch_and_records_nothing(study):
    runner = StudyRunner(
        study / "study.yaml",
        ["--dry-run"],
        2,
        snakemake=[sys.executable, str(study / "fake_snakemake.py")],
    )
    assert runner.run() == 0
    assert _calls(study) == [B, A12, A13]
    state = read_json(study / "results" / "study" / "state.json")
    assert not any("status" in r for r in state["batches"].values())


def test_state_folder_can_be_chosen(study):
    assert _runner(study, state_dir=study / "elsewhere").run(max_batches=1) == 0
    assert (study / "elsewhere" / "state.json").exists()
    assert not (study / "results" / "study").exists()


@pytest.mark.parametrize("option", ["--config", "--configfile=x.yaml", "-C", "--allowed-rules"])
def test_options_run_study_sets_itself_are_refused(study, option):
    with pytest.raises(StudyError, match="set by run-study"):
        StudyRunner(study / "study.yaml", [option, "a=1"], 2)


def test_cli_plan_only_and_bad_input(study, capsys):
    assert main(["run-study", "study.yaml", "--max-pairs", "2", "--plan-only"]) == 0
    err = capsys.readouterr().err
    assert "5 pairs in 3 batches" in err and "batch 2: A 2012, 2 pairs, to run" in err
    assert main(["run-study", "study.yaml", "--", "--config", "x=1"]) == 2
    assert "set by run-study" in capsys.readouterr().err
    cfg = yaml.safe_load((study / "study.yaml").read_text())
    cfg["batch"] = {"arrays": ["NOPE"]}
    (study / "bad.yaml").write_text(yaml.safe_dump(cfg))
    assert main(["run-study", "bad.yaml"]) == 2
    assert "'batch.arrays': array 'NOPE' is not configured" in capsys.readouterr().err
    assert main(["run-study", "missing.yaml"]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["run-study", "study.yaml", "--max-pairs", "0"]) == 2


def test_an_unreadable_state_file_is_a_clear_error(study, capsys):
    (study / "results" / "study").mkdir(parents=True)
    (study / "results" / "study" / "state.json").write_text("{not json")
    with pytest.raises(StudyError, match=r"state\.json is not a study state file"):
        _runner(study)
    assert main(["run-study", "study.yaml"]) == 2
    assert "delete it" in capsys.readouterr().err


def test_duration():
    assert duration(45.2) == "45 s"
    assert duration(200) == "3 min 20 s"
    assert duration(3725) == "1 h 02 min"
