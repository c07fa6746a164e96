"""``fewlabels label`` in a real browser (issue 14, item 6): headless Chromium labels 10 rows
by clicking and by keys, the server is killed (SIGKILL), reopened, and the labels file and
the page must show that nothing was lost and nothing is asked twice.

Without Chromium, chromedriver or selenium the test is skipped, except under CI (``CI``
set), where it fails: ``make .venv/.dev`` installs all three.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

from test_report_browser import _executable, _require_browser

pytestmark = pytest.mark.slow

#: the CLI, with the command registered even before app.py imports it
LAUNCH = "from fewlabels.cli import run; run()"
CLASSES = ("stays", "churns")


def _table(n: int = 150, n_labeled: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    cls = np.arange(n) % 2
    df = pd.DataFrame(
        {
            "spend": cls * 2.0 + rng.normal(0, 0.7, n),
            "visits": rng.normal(0, 1, n),
            "plan": rng.choice(["basic", "family"], n),
        }
    )
    df["status"] = pd.Series(
        np.where(np.arange(n) < n_labeled, np.array(CLASSES)[cls], None), dtype=object
    )
    return df


def _start(data, labels) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            LAUNCH,
            "label",
            str(data),
            "-t",
            "status",
            "--labels",
            str(labels),
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    deadline, seen = time.monotonic() + 40, []
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        m = re.search(r"open (http://127\.0\.0\.1:\d+/\?token=\S+)", line)
        if m:
            return proc, m.group(1)
    proc.kill()
    raise AssertionError(f"the server did not start: {''.join(seen)}")


@pytest.fixture
def driver():
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _executable("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    browser = webdriver.Chrome(options=options, service=Service(_executable("chromedriver")))
    browser.set_page_load_timeout(30)
    yield browser
    browser.quit()


def _row(driver) -> int:
    return int(driver.find_element("id", "row").text)


def _answer_and_wait(driver, act) -> None:
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element("id", "row")
    act()
    WebDriverWait(driver, 20).until(ec.staleness_of(old))
    WebDriverWait(driver, 20).until(lambda d: d.find_elements("id", "row"))


def test_label_ten_rows_kill_the_server_and_resume(driver, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    data, labels = tmp_path / "customers.csv", tmp_path / "answers.csv"
    _table().to_csv(data, index=False)
    truth = np.array(CLASSES)[np.arange(150) % 2]
    proc, url = _start(data, labels)
    answered: list[tuple[int, str]] = []
    try:
        driver.get(url)
        assert driver.title == "fewlabels label: status"
        buttons = driver.find_elements("css selector", "#classes button[name='label']")
        keys = {b.get_attribute("value"): b.get_attribute("data-key") for b in buttons}
        assert set(keys) == set(CLASSES)
        for i in range(10):
            row = _row(driver)
            want = str(truth[row])
            if i % 2 == 0:  # by clicking the class's button
                button = driver.find_element("css selector", f"#classes button[value='{want}']")
                _answer_and_wait(driver, button.click)
            else:  # by its keyboard shortcut
                _answer_and_wait(
                    driver, lambda k=keys[want]: ActionChains(driver).send_keys(k).perform()
                )
            answered.append((row, want))
        assert "22 of 150" in driver.find_element("id", "labeled").text
    finally:
        proc.send_signal(signal.SIGKILL)  # no clean shutdown: what is on disk must do
        proc.wait(10)

    got = pd.read_csv(labels, dtype={"label": object}, keep_default_na=False)
    assert list(zip(got["row"], got["label"], strict=True)) == answered
    assert len({r for r, _ in answered}) == 10

    proc, url = _start(data, labels)
    try:
        driver.get(url)
        resumed = _row(driver)
        assert resumed not in {r for r, _ in answered} and resumed >= 12
        assert "22 of 150" in driver.find_element("id", "labeled").text
        assert driver.find_element("id", "answered").text.startswith("10")
        _answer_and_wait(driver, lambda: ActionChains(driver).send_keys("s").perform())
        typed_row = _row(driver)
        assert typed_row != resumed
        # "n" focuses the class box; Enter there saves the typed name, a new class
        ActionChains(driver).send_keys("n").perform()
        _answer_and_wait(driver, lambda: driver.switch_to.active_element.send_keys("paused\n"))
        assert "paused" in driver.find_element("id", "classes").text
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    got = pd.read_csv(labels, dtype={"label": object}, keep_default_na=False)
    assert len(got) == 12
    assert got["row"].tolist()[-2:] == [resumed, typed_row]
    assert got["label"].tolist()[-2:] == ["", "paused"]
