"""How long `import fewlabels` takes, and what the first real use loads.

Target (issue 2): `import fewlabels` well under 0.5 s without torch installed.

    python benchmarks/import_time.py            # prints a table, writes results/import_time.json
"""

from __future__ import annotations

import json
import platform
import re
import statistics
import subprocess
import sys
from pathlib import Path

RUNS = 15
STATEMENTS = {
    "import fewlabels": "import fewlabels",
    "import fewlabels.cli (what the command loads first)": "import fewlabels.cli",
    "first model: fewlabels.methods.make_model + workflow": "import fewlabels.workflow, fewlabels.supervised, fewlabels.graph",
}


def importtime_us(statement: str, module: str) -> int:
    """Cumulative microseconds of ``module`` as reported by ``python -X importtime``."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
    )
    best = 0
    for line in out.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if m and m.group(3) == module:
            best = max(best, int(m.group(1)))
    return best


def main() -> None:
    torch = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib.util as u; print(u.find_spec('torch') is not None)",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    rows = []
    for label, stmt in STATEMENTS.items():
        module = stmt.split()[1].split(",")[0]
        times = [importtime_us(stmt, module) / 1e6 for _ in range(RUNS)]
        rows.append(
            {
                "what": label,
                "median_s": round(statistics.median(times), 4),
                "max_s": round(max(times), 4),
            }
        )
    result = {
        "command": "python benchmarks/import_time.py",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "torch_installed": torch == "True",
        "runs": RUNS,
        "rows": rows,
    }
    out = Path(__file__).parent / "results" / "import_time.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    for r in rows:
        print(f"{r['what']:<60} median {r['median_s']:.3f} s   max {r['max_s']:.3f} s")
    print(f"torch installed: {result['torch_installed']}; written to {out}")


if __name__ == "__main__":
    main()
