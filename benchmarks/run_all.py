"""``make bench``: run every benchmark, then one table of every figure and its target.

``python benchmarks/run_all.py insights session`` runs only the benchmarks whose names
contain one of the words.

A benchmark that misses a target or fails does not stop the others; the exit status
is non-zero at the end if anything missed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks(only: list[str]) -> list[Path]:
    """Every runnable benchmark, or those whose names contain one of ``only``."""
    found = sorted(p for p in HERE.glob("bench_*.py") if "__main__" in p.read_text())
    return [p for p in found if not only or any(word in p.stem for word in only)]


def main() -> int:
    results = Path(tempfile.mkdtemp(prefix="bench-")) / "results.jsonl"
    results.touch()
    exits: dict[str, int] = {}
    for bench in benchmarks(sys.argv[1:]):
        print(f"== {bench.name}", flush=True)
        start = time.monotonic()
        proc = subprocess.run([sys.executable, str(bench)], check=False,
                              env={**os.environ, "BENCH_RESULTS": str(results)})
        exits[bench.stem] = proc.returncode
        print(f"   ({time.monotonic() - start:.0f} s, exit {proc.returncode})", flush=True)
    records = [json.loads(line) for line in results.read_text().splitlines() if line]
    print("\n== Every figure beside its target")
    print(f"{'benchmark':<26} {'figure':<46} {'value':>12} {'target':>16}  verdict")
    for r in records:
        value = f"{r['value']:.4g} {r['unit']}"
        print(f"{r['benchmark']:<26} {r['figure'][:46]:<46} {value:>12} "
              f"{r['target'] + ' ' + r['unit']:>16}  {'PASS' if r['ok'] else 'MISS'}")
    recorded = {r["benchmark"] for r in records}
    for name, code in exits.items():
        if name not in recorded:
            print(f"{name:<26} {'(no recorded target; exit status)':<46} {'':>12} {'':>16}  "
                  f"{'PASS' if code == 0 else 'FAIL'}")
    failed = sorted({r["benchmark"] for r in records if not r["ok"]}
                    | {n for n, c in exits.items() if c != 0})
    print(f"\n{len(exits)} benchmarks, {len(records)} recorded figures; "
          + (f"missed or failed: {', '.join(failed)}" if failed else "all met their targets"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
