"""The HTML reports in a real browser (issue 20, item 2): headless Chromium opens a fit, a
discover and a bench report at a narrow and a wide window and checks the layout with
JavaScript.

- the page never scrolls sideways (``scrollWidth <= clientWidth``);
- no table, image or SVG is wider than its section, unless it sits in a scroll wrapper
  that is itself no wider than the section; a cell never breaks a short word or number
  over lines;
- every image is loaded and has a size, and the figure's recorded layout (``data-layout``,
  see :func:`fewlabels.report.figure_layout`) matches the picture;
- nothing is fetched from outside the file: no resource timing entry, no ``src`` or
  ``href`` that is not ``data:`` or ``#``, no ``url()`` or ``@import`` in the CSS;
- legends are readable and hide nothing: inside the picture, their text at least
  ``MIN_LEGEND_PX`` pixels tall as the page shows it, over no data mark (line vertex,
  point, bar), covering little of their plot, and outside the plot when they are long
  (the discovery scatter's 25 entries).

Full-page screenshots go to ``$FEWLABELS_SCREENSHOT_DIR`` (default: pytest's temporary
folder). Without Chromium, chromedriver or selenium the tests are skipped, except under CI
(``CI`` set), where they fail: ``make .venv/.dev`` installs all three.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fewlabels.report.html import Section, figure_to_img, render_page, table

WIDTHS = (1024, 1600)
#: legend text smaller than this many CSS pixels, as displayed, is not readable
MIN_LEGEND_PX = 8.0
#: any legend may cover at most this share of its plot; a long one must lie outside it
MAX_LEGEND_COVER = 0.2
LONG_LEGEND = 8
#: the fewest figures each report must show (a report without figures passes nothing)
MIN_FIGURES = {"fit": 3, "discover": 1, "bench": 2}

pytestmark = pytest.mark.slow


def _executable(name: str) -> str:
    return shutil.which(name) or f"/usr/bin/{name}"


def _require_browser() -> None:
    missing = [
        p
        for p in (_executable("chromium"), _executable("chromedriver"))
        if not os.access(p, os.X_OK)
    ]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the Python package selenium")
    if missing:
        why = (
            f"headless Chromium needs {', '.join(missing)}; `make .venv/.dev` installs "
            "Debian's chromium and chromium-driver, and selenium"
        )
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


# ------------------------------------------------------------------------ the checks

#: every layout problem of the open page, as a list of sentences
LAYOUT_JS = r"""
const minLegendPx = arguments[0], maxCover = arguments[1], longLegend = arguments[2];
const problems = [], de = document.documentElement;
if (de.scrollWidth > de.clientWidth)
  problems.push(`the page scrolls sideways: ${de.scrollWidth} px wide in a ${de.clientWidth} px window`);
const px = v => parseFloat(v) || 0;
function contentBox(el) {
  const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  return {left: r.left + px(s.borderLeftWidth) + px(s.paddingLeft),
          right: r.right - px(s.borderRightWidth) - px(s.paddingRight)};
}
const what = el => `${el.tagName.toLowerCase()} "${(el.getAttribute('alt') || el.textContent || '').trim().slice(0, 40)}"`;
for (const el of document.querySelectorAll('main table, main img, main svg, main pre, main figure, main canvas')) {
  const section = el.closest('section');
  if (!section) { problems.push(`${what(el)} is outside every section`); continue; }
  const box = contentBox(section);
  let wrapper = null;
  for (let a = el.parentElement; a && a !== section; a = a.parentElement)
    if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) { wrapper = a; break; }
  const r = (wrapper || el).getBoundingClientRect();
  if (r.right > box.right + 1 || r.left < box.left - 1)
    problems.push(`${what(el)}${wrapper ? "'s scroll wrapper" : ''} is ${Math.round(r.width)} px wide in a ${Math.round(box.right - box.left)} px section`);
}
for (const cell of document.querySelectorAll('main td, main th')) {
  const text = cell.textContent.trim();  // a short word or number must stay on one line
  if (!text || /\s/.test(text) || text.length > 40) continue;
  const range = document.createRange();
  range.selectNodeContents(cell);
  const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  if (lines.size > 1) problems.push(`the cell "${text}" is broken over ${lines.size} lines`);
}
for (const img of document.images) {
  const r = img.getBoundingClientRect();
  if (!img.complete || !img.naturalWidth || !img.naturalHeight || r.width < 1 || r.height < 1) {
    problems.push(`${what(img)} did not load or has no size`); continue;
  }
  if (!img.dataset.layout) continue;
  const lay = JSON.parse(img.dataset.layout), scale = r.width / img.naturalWidth;
  if (Math.abs(lay.width - img.naturalWidth) > 2 || Math.abs(lay.height - img.naturalHeight) > 2)
    problems.push(`${what(img)}: its layout says ${lay.width}x${lay.height} px, the image is ${img.naturalWidth}x${img.naturalHeight}`);
  for (const lg of lay.legends) {
    const [l, t, rt, b] = lg.box, [al, at, ar, ab] = lay.axes[lg.axes];
    if (l < -0.005 || t < -0.005 || rt > 1.005 || b > 1.005)
      problems.push(`${what(img)}: its legend is cut off the picture`);
    const shown = lg.fontsize_px * scale;
    if (shown < minLegendPx)
      problems.push(`${what(img)}: legend text is ${shown.toFixed(1)} px as shown (under ${minLegendPx})`);
    const w = Math.max(0, Math.min(rt, ar) - Math.max(l, al)), h = Math.max(0, Math.min(b, ab) - Math.max(t, at));
    const cover = (w * h) / ((ar - al) * (ab - at));
    const limit = lg.entries > longLegend ? 0.01 : maxCover;
    if (lg.covers > 0)
      problems.push(`${what(img)}: its legend hides ${lg.covers} data mark(s)`);
    if (cover > limit)
      problems.push(`${what(img)}: its legend of ${lg.entries} entries covers ${(100 * cover).toFixed(0)}% of the plot (at most ${(100 * limit).toFixed(0)}%)`);
  }
}
for (const svg of document.querySelectorAll('svg')) {
  const r = svg.getBoundingClientRect();
  if (r.width < 1 || r.height < 1) problems.push(`${what(svg)} has no size`);
}
for (const e of performance.getEntriesByType('resource'))
  problems.push(`fetched ${e.name}`);
for (const el of document.querySelectorAll('[src], [href], [srcset], [poster], [data], link, script, iframe, object, embed')) {
  for (const attr of ['src', 'href', 'srcset', 'poster', 'data']) {
    const v = el.getAttribute(attr);
    if (v !== null && !v.startsWith('data:') && !v.startsWith('#'))
      problems.push(`${el.tagName.toLowerCase()} ${attr}="${v.slice(0, 60)}" is outside the file`);
  }
  if (['LINK', 'SCRIPT', 'IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName))
    problems.push(`a <${el.tagName.toLowerCase()}> element: the report must be one self-contained file`);
}
for (const st of document.querySelectorAll('style')) {
  const css = st.textContent;
  if (/@import/i.test(css) || /url\(\s*['"]?(?!data:)/i.test(css))
    problems.push('the CSS loads something from outside the file');
}
return {problems, figures: document.querySelectorAll('img[data-layout]').length,
        legends: [...document.querySelectorAll('img[data-layout]')].reduce((n, i) => n + JSON.parse(i.dataset.layout).legends.length, 0)};
"""


def _check(driver, path: Path, width: int, shot: Path | None = None) -> dict:
    driver.set_window_size(width, 900)
    driver.get(path.resolve().as_uri())
    found = driver.execute_script(LAYOUT_JS, MIN_LEGEND_PX, MAX_LEGEND_COVER, LONG_LEGEND)
    if shot is not None:  # the whole page: a window as tall as the document
        for _ in range(3):  # without a vertical scroll bar the page may reflow
            height = driver.execute_script("return document.documentElement.scrollHeight")
            if height == driver.execute_script("return window.innerHeight"):
                break
            driver.set_window_size(width, min(int(height), 20000))
        driver.save_screenshot(str(shot))
    return found


# ---------------------------------------------------------------------- the reports


def _fit_table(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """Two classes with long names (two keep the supervised baseline's cross-validation
    quick), long column names, a category and an ID column."""
    rng = np.random.default_rng(seed)
    names = np.array(["long-term subscriber", "churned within the first month"])
    cls = np.arange(n) % 2
    df = pd.DataFrame({"customer_id": [f"CUST-{i:07d}-EU-WEST" for i in range(n)]})
    df["monthly_spend_in_euros_over_the_last_twelve_months"] = cls * 1.2 + rng.normal(0, 0.8, n)
    df["days_since_the_last_support_ticket_was_opened"] = rng.normal(0, 1, n)
    df["plan"] = rng.choice(["basic", "family", "business"], n)
    df["status"] = pd.Series(np.where(np.arange(n) < 100, names[cls], None))
    return df


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """A fit, a discover and a bench report, each on small data."""
    _require_browser()
    from fewlabels.bench import BenchConfig, bench_report, run_benchmark
    from fewlabels.discovery.workflow import discover_table
    from fewlabels.workflow import fit_table
    from test_discovery import _blobs

    root = tmp_path_factory.mktemp("reports")
    fit_table(_fit_table(), "status", "supervised-logreg", root / "fit")
    # 24 classes, 12 of them novel: the discovery scatter's longest legend
    X, _, target = _blobs(n_classes=24, n_known=12, per_class=15, gcd_share=0.3)
    frame = pd.DataFrame(X).add_prefix("f")
    frame["label"] = target
    discover_table(frame, "label", root / "discover", n_novel=12)
    config = BenchConfig(
        datasets=("iris", "wine"),
        methods=(
            "sup-logreg",
            "label-spreading",
            "sklearn-label-spreading",
            "sklearn-self-training-threshold-logreg",
        ),
        budgets=(0.1, 0.2),
        protocols=("random",),
        seeds=(0,),
    )
    results = run_benchmark(config, root / "bench" / "results.csv")
    (root / "bench" / "report.html").write_text(bench_report(results), encoding="utf-8")
    return {name: root / name / "report.html" for name in ("fit", "discover", "bench")}


@pytest.fixture(scope="module")
def driver():
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _executable("chromium")
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--force-device-scale-factor=1",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    browser = webdriver.Chrome(options=options, service=Service(_executable("chromedriver")))
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    where = os.environ.get("FEWLABELS_SCREENSHOT_DIR")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        return Path(where)
    return tmp_path_factory.mktemp("report-screenshots")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["fit", "discover", "bench"])
def test_report_layout_in_chromium(reports, driver, shots, name, width):
    shot = shots / f"{name}-{width}.png"
    found = _check(driver, reports[name], width, shot)
    problems = found["problems"]
    assert problems == [], f"{len(problems)} problems; the first: " + "\n".join(problems[:15])
    assert found["figures"] >= MIN_FIGURES[name] and found["legends"] >= 1, found
    assert shot.stat().st_size > 10_000  # a picture, not a blank page


def test_the_checks_find_each_defect(driver, tmp_path):
    """A page built to break every rule: each check must say so (and a clean page passes)."""
    from matplotlib.figure import Figure

    wide = "<table>" + "<tr>" + "<td>x" * 80 + "</tr></table>"
    covered = Figure(figsize=(4, 3))
    ax = covered.add_subplot()
    for i in range(12):
        ax.plot(np.linspace(0, 1, 30), np.full(30, i), label=f"a long legend entry {i}")
    ax.legend(loc="center", fontsize=5)
    bad = render_page(
        "bad",
        [
            Section("wide", f"<div>{wide}</div>"),
            Section("legend", figure_to_img(covered, "covered")),
            Section("outside", '<img alt="remote" src="file:///nonexistent/x.png">'),
            Section(
                "squeezed",
                '<table style="width:3em"><tr><td style="overflow-wrap:anywhere">'
                "-1.0605225644747</td></tr></table>",
            ),
        ],
    )
    path = tmp_path / "bad.html"
    path.write_text(bad, encoding="utf-8")
    problems = "\n".join(_check(driver, path, 1024)["problems"])
    for expected in (
        "the page scrolls sideways",
        'table "xxxx',
        "legend text is",
        "data mark(s)",
        "covers",
        'img "remote" did not load',
        'src="file:///nonexistent/x.png" is outside the file',
        'the cell "-1.0605225644747" is broken over',
    ):
        assert expected in problems, (expected, problems)

    good = render_page("good", [Section("wide", table(["c"] * 80, [["x"] * 80]))])
    path.write_text(good, encoding="utf-8")
    assert _check(driver, path, 1024)["problems"] == []
