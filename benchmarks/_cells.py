"""Run benchmark cells each in its own process, so peak memory and timing are per cell."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run_cell_process(script: str, method: str, data: Path, timeout: float, labels: dict) -> dict:
    """Run ``script --cell METHOD DATA`` and return its JSON line, or an error row."""
    try:
        out = subprocess.run(
            [sys.executable, script, "--cell", method, str(data)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        row = {**labels, "method": method, **json.loads(out.stdout.strip().splitlines()[-1])}
    except subprocess.TimeoutExpired:
        row = {**labels, "method": method, "error": f"timeout after {timeout:.0f} s"}
    except subprocess.CalledProcessError as exc:
        lines = exc.stderr.strip().splitlines() or ["no output"]
        row = {**labels, "method": method, "error": lines[-1][:200]}
    print(json.dumps(row), flush=True)
    return row
