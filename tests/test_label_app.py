"""The labeling page of ``fewlabels label`` (issue 14, item 6), through Starlette's test
client: the token, the escaping, the labels file (append, resume, a crash, another table),
classes (typed, unknown, numbers), retraining, and a port in use."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("starlette", reason="the labeling page needs the `label` extra")
pytest.importorskip("httpx2", reason="Starlette's TestClient needs httpx2 (the dev extra)")

from starlette.testclient import TestClient  # noqa: E402

from fewlabels.active.labeling import (  # noqa: E402
    LabelsFile,
    bind_socket,
    default_labels_path,
    make_app,
    open_session,
    table_fingerprint,
    wilson_interval,
)
from fewlabels.cli import main  # noqa: E402
from fewlabels.exceptions import InputError  # noqa: E402

TOKEN = "t0ken-for-tests"
SCRIPT = "<script>alert('x')</script>"


def _table(n: int = 120, n_labeled: int = 12, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cls = np.arange(n) % 2
    df = pd.DataFrame(
        {
            "spend": cls * 2.0 + rng.normal(0, 0.7, n),
            "visits": rng.normal(0, 1, n),
            "note <b>": [SCRIPT] * n,
        }
    )
    names = np.array(["stays", "churns"])
    df["status"] = pd.Series(np.where(np.arange(n) < n_labeled, names[cls], None), dtype=object)
    return df


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "customers.csv"
    _table().to_csv(path, index=False)
    return path


def _client(path, **params):
    params.setdefault("forecast", False)
    session = open_session(path, "status", **params)
    return session, TestClient(make_app(session, TOKEN))


def _shown_row(page: str) -> int:
    return int(re.search(r"id='row'>(\d+)<", page).group(1))


def _answers(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"label": object}, keep_default_na=False)


def test_every_request_needs_the_token(data):
    session, client = _client(data)
    for url in ("/", "/state", "/anything", "/?token=wrong", f"/?token={TOKEN}x"):
        r = client.get(url)
        assert r.status_code == 403, url
        assert "token" in r.text and "churns" not in r.text
    row = session.current().row
    r = client.post("/answer", data={"row": row, "label": "stays"})
    assert r.status_code == 403
    r = client.post("/answer?token=nope", data={"row": row, "label": "stays", "token": "x"})
    assert r.status_code == 403
    assert len(_answers(session.labels_file.path)) == 0  # nothing was written
    ok = client.get(f"/?token={TOKEN}")
    assert ok.status_code == 200 and "churns" in ok.text
    assert "script-src 'nonce-" in ok.headers["content-security-policy"]
    assert client.get(f"/state?token={TOKEN}").json()["labeled"] == 12


def test_every_value_is_escaped(tmp_path):
    df = _table()
    df.loc[0, "status"] = "<img src=x onerror=alert(1)>"  # a class name with markup
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    session, client = _client(path)
    page = client.get(f"/?token={TOKEN}").text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "note &lt;b&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    for raw in (SCRIPT, "<img src=x", "note <b>"):
        assert raw not in page
    # one script only: the page's own, with the nonce of the header
    nonce = re.search(
        r"'nonce-([^']+)'", client.get(f"/?token={TOKEN}").headers["content-security-policy"]
    )
    assert page.count("<script") == 1 and nonce is not None
    # an error message echoing the user's input is escaped too
    strict, client2 = _client(path, allow_new_classes=False, labels=tmp_path / "b.csv")
    r = client2.post(
        "/answer",
        data={"token": TOKEN, "row": strict.current().row, "action": "typed", "typed": SCRIPT},
    )
    assert r.status_code == 400 and SCRIPT not in r.text and "unknown class" in r.text


def test_answers_are_appended_and_a_reopened_session_resumes(data):
    session, client = _client(data)
    path = default_labels_path(data)
    assert session.labels_file.path == path
    asked = []
    for i in range(5):
        row = _shown_row(client.get(f"/?token={TOKEN}").text)
        asked.append(row)
        form = {"token": TOKEN, "row": row}
        form.update({"action": "skip"} if i == 2 else {"label": "churns" if i % 2 else "stays"})
        r = client.post("/answer", data=form, follow_redirects=False)
        assert r.status_code == 303
        got = _answers(path)
        assert len(got) == i + 1  # on disk before the next page
    assert len(set(asked)) == 5
    got = _answers(path)
    assert list(got.columns) == ["row", "label", "time"]
    assert got["row"].tolist() == asked
    assert got["label"].tolist() == ["stays", "churns", "", "churns", "stays"]
    # a second click on the same row changes nothing
    client.post("/answer", data={"token": TOKEN, "row": asked[0], "label": "churns"})
    assert len(_answers(path)) == 5

    again, client2 = _client(data)
    assert again.answered == {asked[0], asked[1], asked[3], asked[4]}
    assert again.skipped == {asked[2]}
    assert again.state()["labeled"] == 12 + 4
    assert again.labels[asked[1]] == "churns"
    for _ in range(3):  # neither answered nor skipped rows come back
        row = _shown_row(client2.get(f"/?token={TOKEN}").text)
        assert row not in asked and row >= 12
        client2.post("/answer", data={"token": TOKEN, "row": row, "label": "stays"})


def test_a_line_cut_short_by_a_crash_is_dropped(data):
    session, _ = _client(data)
    path = session.labels_file.path
    session.answer(session.current().row, "stays")
    with open(path, "ab") as fh:
        fh.write(b"40,chu")  # the crash came mid-write
    again, _ = _client(data)
    assert len(again.answered) == 1
    again.answer(again.current().row, "churns")
    got = _answers(path)
    assert got["label"].tolist() == ["stays", "churns"]


def test_a_labels_file_of_another_table_is_refused(data, tmp_path, capsys):
    session, _ = _client(data)
    session.answer(session.current().row, "stays")
    other = tmp_path / "other.csv"
    _table(n=100).to_csv(other, index=False)
    labels = session.labels_file.path
    with pytest.raises(InputError, match="written for another table"):
        open_session(other, "status", labels)
    renamed = _table().rename(columns={"visits": "calls"})
    renamed.to_csv(other, index=False)
    with pytest.raises(InputError, match="written for another table"):
        open_session(other, "status", labels)
    with pytest.raises(InputError, match="labels of column 'status', not 'spend'"):
        open_session(data, "spend", labels)
    code = main(["label", str(other), "-t", "status", "--labels", str(labels), "--port", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert "written for another table" in err and len(err.strip().splitlines()) <= 2
    # a file with answers but no fingerprint cannot be matched either
    loose = tmp_path / "loose.csv"
    loose.write_text("row,label,time\n3,stays,2026-01-01\n", encoding="utf-8")
    with pytest.raises(InputError, match="no fingerprint"):
        open_session(data, "status", loose)


def test_the_fingerprint_is_rows_and_column_names():
    a = table_fingerprint(_table())
    assert a == table_fingerprint(_table(seed=1))  # other values, same table shape
    assert a != table_fingerprint(_table(n=121))
    assert a != table_fingerprint(_table().rename(columns={"spend": "Spend"}))
    assert a != table_fingerprint(_table()[["visits", "spend", "note <b>", "status"]])


def test_an_unknown_class_with_no_new_classes(data):
    session, client = _client(data, allow_new_classes=False)
    row = session.current().row
    r = client.post(
        "/answer", data={"token": TOKEN, "row": row, "action": "typed", "typed": "maybe"}
    )
    assert r.status_code == 400
    assert "unknown class &#x27;maybe&#x27;" in r.text and "--no-new-classes" in r.text
    assert "churns, stays" in r.text
    assert len(_answers(session.labels_file.path)) == 0
    # a known class typed is fine; an empty one is refused
    r = client.post(
        "/answer", data={"token": TOKEN, "row": row, "action": "typed", "typed": " churns "}
    )
    assert r.status_code == 200 and session.labels[row] == "churns"
    nxt = session.current().row
    r = client.post("/answer", data={"token": TOKEN, "row": nxt, "action": "typed", "typed": " "})
    assert r.status_code == 400 and "type a class name" in r.text


def test_a_new_class_becomes_a_button(data):
    session, client = _client(data)
    row = session.current().row
    client.post("/answer", data={"token": TOKEN, "row": row, "action": "typed", "typed": "paused"})
    assert session.labels[row] == "paused"
    page = client.get(f"/?token={TOKEN}").text
    assert "value='paused' data-key='3'" in page
    assert _answers(session.labels_file.path)["label"].tolist() == ["paused"]


def test_numeric_classes_stay_numbers(tmp_path):
    df = _table()
    df["status"] = pd.Series(np.where(np.arange(120) < 12, np.arange(120) % 2, None)).astype(
        "Int64"
    )
    path = tmp_path / "n.csv"
    df.to_csv(path, index=False)
    session = open_session(path, "status", forecast=False)
    with pytest.raises(InputError, match="are numbers; type a number"):
        session.answer(session.current().row, "yes")
    row = session.current().row
    session.answer(row, "1")
    assert session.labels[row] == 1
    row = session.current().row
    session.answer(row, "2")  # a new class, a number
    assert session.labels[row] == 2 and 2 in session.classes


def test_the_model_retrains_after_each_batch(data):
    session = open_session(data, "status", batch_size=4, forecast=True)
    first = session.state()
    assert first["model_labels"] == 12 and first["accuracy"] is not None
    lo, hi = first["interval"]
    assert lo <= first["accuracy"] <= hi
    truth = np.array(["stays", "churns"])
    for _ in range(4):
        row = session.current().row
        session.answer(row, truth[row % 2])
    session.wait(30)
    st = session.state()
    assert st["model_labels"] == 16 and not st["training"]
    assert st["kappa"] is not None
    assert st["forecast"] and st["forecast"][0]["n_labels"] == 32
    assert st["error"] == ""


def test_a_cold_start_asks_typical_rows_then_fits(tmp_path):
    path = tmp_path / "cold.csv"
    _table(n_labeled=0).to_csv(path, index=False)
    session = open_session(
        path, "status", classes=["stays", "churns"], batch_size=2, forecast=False
    )
    ask = session.current()
    assert session.model is None and ask.guess is None and "typical" in ask.reason
    client = TestClient(make_app(session, TOKEN))
    assert "No model yet" in client.get(f"/?token={TOKEN}").text
    for label in ("stays", "churns"):
        session.answer(session.current().row, label)
    session.wait(30)
    assert session.model is not None and session.current().guess in ("stays", "churns")


def test_a_port_in_use_is_one_clear_line(data, capsys):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        with pytest.raises(InputError, match=f"port {port} on 127.0.0.1 is in use"):
            bind_socket(port)
        code = main(["label", str(data), "-t", "status", "--port", str(port), "-q"])
    finally:
        busy.close()
    err = capsys.readouterr().err
    assert code == 2 and f"port {port} on 127.0.0.1 is in use" in err
    assert "Traceback" not in err
    assert not default_labels_path(data).exists()  # it failed before any work
    sock = bind_socket(0)  # a free port, on localhost only
    try:
        assert sock.getsockname()[0] == "127.0.0.1" and sock.getsockname()[1] > 0
    finally:
        sock.close()


def test_labels_file_round_trip_quotes_and_commas(tmp_path):
    fp = {"rows": 5, "columns_sha256": "x", "target": "y"}
    f = LabelsFile(tmp_path / "a.csv", fp)
    assert f.open() == {}
    f.append(1, 'a, "quoted" label')
    f.append(3, None)
    f.append(1, "second")  # the last answer of a row wins
    assert LabelsFile(tmp_path / "a.csv", fp).open() == {3: None, 1: "second"}
    (tmp_path / "a.csv").write_text("row,label,time\n9,a,t\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: expected row"):
        LabelsFile(tmp_path / "a.csv", fp).open()
    meta = json.loads((tmp_path / "a.csv.json").read_text())
    assert meta["format"] == "fewlabels-labels" and meta["rows"] == 5


def test_wilson_interval_covers_the_proportion():
    for k, n in [(0, 10), (5, 10), (10, 10), (37, 50)]:
        lo, hi = wilson_interval(k, n)
        assert 0 <= lo <= k / n <= hi <= 1
    assert wilson_interval(50, 100)[1] - wilson_interval(50, 100)[0] > (
        wilson_interval(500, 1000)[1] - wilson_interval(500, 1000)[0]
    )


def test_import_fewlabels_loads_no_web_framework():
    code = (
        "import sys, fewlabels, fewlabels.active, fewlabels.active.labeling, fewlabels.cli; "
        "bad = [m for m in ('starlette', 'uvicorn', 'selenium') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
