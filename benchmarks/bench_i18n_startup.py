"""What the catalogues cost the cold start: German against English with no catalogue.

The same app start as ``bench_ui_startup`` (10,000 cached visits, first board paint,
offscreen), on a private copy of its fixture whose visits carry the detectors' summaries
with their codes, so the board formats numbers and days per locale.  Once with
``--lang de`` (gettext catalogue, Qt's qtbase_de.qm, German summaries) and once with
``--lang en``, English through NullTranslations: the start with i18n doing nothing,
measured in the same run as its baseline.  Starts are interleaved pair by pair, so drift
on the shared machine hits both alike.  The figure is the median of the per-pair ratios
of CPU time to the first paint (the child's own ``process_time``: less disturbed by
other processes than wall time, which is printed too); its noise is the half-width of a
bootstrap 95 % interval of that median, and the run repeats pairs until the noise is
below 1.5 % (or ``MAX_PAIRS``).
Target: German start <= 1.05 x the English one (issue 15: cold start grows <= 5 %).
"""

from __future__ import annotations

import compileall
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIN_PAIRS = 15
MAX_PAIRS = 45
NOISE_GOAL = 0.015  # the 95 % interval's half-width, as a share of the ratio
OVERHEAD_LIMIT = 1.05


def measure(language: str, home: str) -> tuple[float, float]:
    """(wall ms, CPU ms) from spawning the app to its first board paint."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("BENCH_QPA", "offscreen")}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("bench_ui_startup.py")), "--child",
         "app", home, "--lang", language],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    wall = (time.perf_counter() - start) * 1000
    proc.wait(timeout=120)
    if not line.startswith("painted"):
        raise RuntimeError(f"--lang {language} start did not paint (exit {proc.returncode})")
    return wall, float(line.split()[2])


def with_detector_summaries(home: str) -> None:
    """The fixture's visits say "Routine check N"; give them the summaries the detectors
    write (numbers, units, days: what the board formats per locale), with their codes."""
    import json
    import sqlite3

    from concierge.domain import METRIC_CATALOGUE
    from concierge.insights import text
    from concierge.paths import resolve_paths

    specs = [s for kind in METRIC_CATALOGUE.values() for s in kind if not s.counter]
    counters = [s for kind in METRIC_CATALOGUE.values() for s in kind if s.counter]
    makers = [
        lambda i: text.crosses_headline(specs[i % len(specs)], specs[i % len(specs)].warning,
                                        1.0 + i % 13),
        lambda i: text.limit_soon_headline(counters[i % len(counters)], 2.0 + i % 30),
        lambda i: text.beyond_headline(specs[i % len(specs)], "above", "warning",
                                       specs[i % len(specs)].warning),
        lambda i: text.spikes_headline(specs[i % len(specs)], 3 + i % 9, 2.0),
    ]
    with sqlite3.connect(resolve_paths(home).store_file) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM records WHERE entity = 'visit'")]
        rows = []
        for i, ident in enumerate(ids):
            headline = makers[i % len(makers)](i)
            rows.append((headline.text, json.dumps(headline.coded()), ident))
        conn.executemany(
            "UPDATE records SET data = json_set(data, '$.summary', ?, '$.summary_code', json(?))"
            " WHERE entity = 'visit' AND id = ?", rows)


def noise(ratios: list[float]) -> float:
    """Half-width of a bootstrap 95 % interval of the median ratio, relative to it."""
    rng = random.Random(15)
    medians = sorted(statistics.median(rng.choices(ratios, k=len(ratios)))
                     for _ in range(2000))
    low, high = medians[50], medians[1949]
    return (high - low) / 2 / statistics.median(ratios)


def main() -> int:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    from bench_ui_fixture import VISITS, synced_home
    from targets import check, exit_code

    root = here.parent
    for package in ("concierge", "ui"):
        compileall.compile_dir(root / package, quiet=1)
    with tempfile.TemporaryDirectory(prefix="bench-i18n-") as folder:
        home = str(Path(folder) / "home")
        shutil.copytree(synced_home(), home)  # the shared fixture is never migrated here
        measure("en", home)  # the first start migrates the copy and warms the disk cache
        with_detector_summaries(home)
        runs: dict[str, list[tuple[float, float]]] = {"en": [], "de": []}
        ratios: list[float] = []
        wall_ratios: list[float] = []
        while len(ratios) < MAX_PAIRS:
            order = ("en", "de") if len(ratios) % 2 == 0 else ("de", "en")
            for language in order:
                runs[language].append(measure(language, home))
            ratios.append(runs["de"][-1][1] / runs["en"][-1][1])
            wall_ratios.append(runs["de"][-1][0] / runs["en"][-1][0])
            if len(ratios) >= MIN_PAIRS and noise(ratios) < NOISE_GOAL:
                break
    ratio, spread = statistics.median(ratios), noise(ratios)
    for language, name in (("en", "baseline: English, no catalogue"),
                           ("de", "German catalogues")):
        wall = statistics.median(w for w, _ in runs[language])
        cpu = statistics.median(c for _, c in runs[language])
        print(f"{name:<34} first board paint: CPU {cpu:7.1f} ms, wall {wall:7.1f} ms "
              f"(median of {len(runs[language])}, {VISITS:,} visits)")
    print(f"German / English CPU time: {ratio:.3f} (± {spread:.1%} at 95 %, "
          f"{len(ratios)} interleaved pairs); wall time: {statistics.median(wall_ratios):.3f} "
          f"(± {noise(wall_ratios):.1%})")
    check("cold start, German / English (CPU to first paint)", ratio, "x",
          at_most=OVERHEAD_LIMIT, baseline="English, NullTranslations, same run")
    return exit_code()


if __name__ == "__main__":
    sys.exit(main())
