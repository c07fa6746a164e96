# ruff: noqa: T201  (a script: it reports on stdout)
"""Full-page screenshots of the three HTML reports, for docs/screenshots/.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python docs/make_screenshots.py

runs, in a temporary folder, exactly what a user runs:

- ``fewlabels demo`` (scikit-learn's digits, 95% of the labels hidden); its
  ``label-spreading/report.html`` is the fit report;
- ``fewlabels discover`` on the same digits with 7, 8 and 9 never labeled (novel) and 20%
  of the other digits' rows labeled;
- ``fewlabels bench`` on iris and wine, three methods, two budgets, two seeds;

then opens each report in headless Chromium (Debian's ``chromium`` and ``chromedriver``, as
``make .venv/.dev`` installs them) at 1024 px, checks its layout with the checks of
``tests/test_report_browser.py`` and saves ``fit.png``, ``discover.png`` and ``bench.png``
beside this script's ``screenshots/`` README. Needs the dev install (selenium).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WIDTH = 1024
#: a screenshot larger than this is saved with a 256-colour palette
MAX_BYTES = 900_000


def _fewlabels(*args: str) -> None:
    exe = Path(sys.executable).with_name("fewlabels")
    cmd = [str(exe) if exe.exists() else "fewlabels", *args, "--quiet"]
    print("$ fewlabels", " ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, check=True)


def _discover_table(path: Path) -> None:
    """Digits 7, 8 and 9 never labeled; 20% of the other digits' rows labeled."""
    import numpy as np
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True, as_frame=True)
    rng = np.random.default_rng(0)
    keep = (y.to_numpy() < 7) & (rng.random(len(y)) < 0.2)
    table = X.copy()
    table["digit"] = y.astype("Int64").where(keep)
    table.to_csv(path, index=False)


def _save(driver, report: Path, shot: Path) -> list[str]:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_report_browser import _check

    problems = _check(driver, report, WIDTH, shot)["problems"]
    if shot.stat().st_size > MAX_BYTES:
        from PIL import Image

        with Image.open(shot) as im:
            small = im.convert("RGB").quantize(256)
        small.save(shot, optimize=True)
    print(f"{shot.relative_to(ROOT)}: {shot.stat().st_size / 1e3:.0f} kB", flush=True)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "screenshots")
    parser.add_argument("--work", type=Path, help="keep the runs here (default: a temp folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="fewlabels-screenshots-"))
    work.mkdir(parents=True, exist_ok=True)

    _fewlabels("demo", "--out", str(work / "demo"))
    _discover_table(work / "digits-novel.csv")
    _fewlabels(
        "discover",
        str(work / "digits-novel.csv"),
        "--target",
        "digit",
        "--keep-units",
        "--out",
        str(work / "discover"),
    )
    # fmt: off
    _fewlabels(
        "bench", "-d", "iris", "-d", "wine",
        "-m", "sup-logreg", "-m", "label-spreading", "-m", "sklearn-label-spreading",
        "--budget", "0.05", "--budget", "0.1", "--protocol", "random", "--seeds", "2",
        "--out", str(work / "bench"),
    )
    # fmt: on

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.add_argument("--force-device-scale-factor=1")
    driver = webdriver.Chrome(
        options=options, service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    )
    args.out.mkdir(parents=True, exist_ok=True)
    problems = {}
    try:
        for name, report in (
            ("fit", work / "demo" / "label-spreading" / "report.html"),
            ("discover", work / "discover" / "report.html"),
            ("bench", work / "bench" / "report.html"),
        ):
            problems[name] = _save(driver, report, args.out / f"{name}.png")
    finally:
        driver.quit()
    for name, found in problems.items():
        print(f"{name}: layout problems: {'; '.join(found[:5]) if found else 'none'}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if any(problems.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
