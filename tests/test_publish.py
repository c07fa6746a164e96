"""All outputs of one run, or none: staging, the manifest, the lock, and kills at each step."""

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import make_table
from fewlabels.data.publish import MANIFEST, Run, read_manifest, verify_manifest
from fewlabels.exceptions import InputError

NAMES = {"a.txt", "b.txt"}


def _run(out, text):
    with Run.open(out, NAMES) as run:
        for name in sorted(NAMES):
            run.path(name).write_text(f"{name} {text}")


def _complete(out):
    """The folder holds exactly one run's files, each matching its manifest."""
    manifest = read_manifest(out)
    assert manifest is not None
    assert sorted(p.name for p in out.iterdir()) == sorted([*manifest["files"], MANIFEST])
    for name in manifest["files"]:
        verify_manifest(out / name)
    return manifest


def _no_leftovers(out):
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")] == []


def test_a_run_is_published_whole_and_replaces_the_previous(tmp_path):
    out = tmp_path / "out"
    _run(out, "first")
    first = _complete(out)
    _run(out, "second")
    second = _complete(out)
    assert (out / "a.txt").read_text() == "a.txt second" and first["run"] != second["run"]
    _no_leftovers(out)


def test_an_error_keeps_the_previous_run(tmp_path):
    out = tmp_path / "out"
    _run(out, "first")

    def failing_run():
        with Run.open(out, NAMES) as run:
            run.path("a.txt").write_text("half")
            raise RuntimeError("the fit failed")

    with pytest.raises(RuntimeError, match="the fit failed"):
        failing_run()
    assert (out / "a.txt").read_text() == "a.txt first"
    _complete(out)
    _no_leftovers(out)


def test_a_folder_with_other_files_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(InputError, match=r"holds other files \(thesis.docx\)"):
        _run(out, "x")
    assert (out / "thesis.docx").read_text() == "precious"


def test_an_unwritable_folder_is_refused_before_any_work():
    started = []

    def run():
        with Run.open("/proc/fewlabels-out", NAMES):
            started.append(True)

    with pytest.raises(InputError, match="cannot be written"):
        run()
    assert not started


def test_a_second_run_into_the_same_folder_refuses(tmp_path):
    out = tmp_path / "out"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / ".out.fewlabels-lock").write_text(str(other.pid))
        with pytest.raises(InputError, match=rf"another fewlabels run \(pid {other.pid}\)"):
            _run(out, "x")
    finally:
        other.kill()
        other.wait()
    _run(out, "after")  # the lock of a dead process is taken over
    _complete(out)
    _no_leftovers(out)


def test_a_file_of_another_run_is_detected(tmp_path):
    out = tmp_path / "out"
    _run(out, "first")
    (out / "a.txt").write_text("from another run")
    with pytest.raises(InputError, match="mixes runs"):
        verify_manifest(out / "a.txt")


STEPS = ["after-model", "after-predictions", "after-report", "before-publish", "after-exchange"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "d.csv"
    make_table(n=120, labeled_fraction=0.3)[0].to_csv(path, index=False)
    return path


def _fit(data, out, pause=None):
    env = {**os.environ, "FEWLABELS_PAUSE_AT": pause or ""}
    args = [sys.executable, "-m", "fewlabels", "fit", str(data), "--target", "label"]
    args += ["--method", "label-spreading", "--out", str(out), "--quiet", "--no-evidence"]
    return subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_any_step_leaves_one_complete_run(tmp_path, data, step):
    out = tmp_path / "out"
    assert _fit(data, out).wait() == 0
    before = _complete(out)
    proc = _fit(data, out, pause=step)
    paused = tmp_path / "out.paused"
    deadline = time.monotonic() + 120
    while not paused.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the run never reached the step"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = _complete(out)  # the previous set, or (after the exchange) the new one
    assert (
        after["run"] == before["run"] if step != "after-exchange" else after["run"] != before["run"]
    )
    paused.unlink()
    assert _fit(data, out).wait() == 0  # the next run cleans up and publishes
    _complete(out)
    _no_leftovers(out)
