"""One way for every benchmark to report a figure against its target.

Each call prints the verdict beside the figure; under ``make bench`` (BENCH_RESULTS
set by ``run_all.py``) it is also recorded, so the run ends with one table of every
figure and exits non-zero if any missed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

RESULTS_ENV = "BENCH_RESULTS"
_misses: list[str] = []

# Board scroll over 100k visits (#17, bench_board_scroll). A scroll step is input: it should
# be drawn within one frame at 60 Hz (16.7 ms) as a rule, and no step may hold the GUI
# thread past 50 ms, the stall limit (and RAIL's budget for answering input, beyond
# which a person feels the lag).
BOARD_SCROLL_MEDIAN_MS = 16.7
BOARD_SCROLL_MAX_MS = 50.0


def check(
    figure: str,
    value: float,
    unit: str,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
    baseline: str = "",
) -> bool:
    """Print and record ``figure``; True if it meets its target."""
    if (at_most is None) == (at_least is None):
        raise ValueError("give exactly one of at_most / at_least")
    ok = value <= at_most if at_most is not None else value >= at_least  # type: ignore[operator]
    target = f"<= {at_most:g}" if at_most is not None else f">= {at_least:g}"
    print(f"  {figure}: {value:.4g} {unit} (target {target} {unit}): {'PASS' if ok else 'MISS'}")
    if not ok:
        _misses.append(figure)
    path = os.environ.get(RESULTS_ENV)
    if path:
        record = {"benchmark": Path(sys.argv[0]).stem, "figure": figure, "value": value,
                  "unit": unit, "target": target, "baseline": baseline, "ok": ok}
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
    return ok


def exit_code() -> int:
    """0 if every checked figure met its target."""
    return 1 if _misses else 0
