"""NAB standard-profile score of ``AnomalyScorer`` beside a Windowed-Gaussian baseline.

Run ``python benchmarks/bench_nab.py`` from the repository root.  The NAB data is
read from ``../shared/nab`` (override with CONCIERGE_NAB_DIR); nothing is copied.

Scoring follows the method in the NAB README / ``nab/sweeper.py``: the first 15%
of each file (at most 750 rows) is probation and not scored; inside a window
only the earliest detection counts, earning the scaled sigmoid of its relative
position (+1 at the left edge, about 0 at the right edge) times A_TP; a window
without detection costs A_FN; a detection outside windows costs A_FP times the
scaled sigmoid of its distance past the previous window (full cost before any
window or 3+ window widths after one).  One threshold per detector is tuned on
the whole corpus by a grid search, and the total is normalised so that the null
detector scores 0 and a perfect one 100.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concierge.insights import AnomalyScorer

FloatArray = npt.NDArray[np.float64]
PROFILES = {
    "standard": (1.0, 0.11, 1.0),
    "reward_low_FP_rate": (1.0, 0.22, 1.0),
    "reward_low_FN_rate": (1.0, 0.11, 2.0),
}
THRESHOLDS = np.unique(
    np.concatenate((np.linspace(0.05, 1.0, 96), 1.0 - np.logspace(-12.0, -2.0, 61)))
)


def nab_dir() -> Path:
    env = os.environ.get("CONCIERGE_NAB_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "nab"


@dataclass(frozen=True)
class DataFile:
    name: str
    t: FloatArray
    v: FloatArray
    windows: tuple[tuple[int, int], ...]  # inclusive row indices

    @property
    def probation(self) -> int:
        return int(min(math.floor(0.15 * self.t.size), 0.15 * 5000))


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def load_corpus(root: Path) -> list[DataFile]:
    labels = json.loads((root / "combined_windows.json").read_text())
    files = []
    for name in sorted(labels):
        rows = (root / "data" / name).read_text().splitlines()[1:]
        t = np.array([_epoch(r.split(",")[0]) for r in rows])
        v = np.array([float(r.split(",")[1]) for r in rows])
        windows = tuple(
            (int(np.searchsorted(t, _epoch(a))), int(np.searchsorted(t, _epoch(b))))
            for a, b in labels[name]
        )
        files.append(DataFile(name, t, v, windows))
    return files


def _scaled_sigmoid(position: float) -> float:
    return -1.0 if position >= 3.0 else 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


@dataclass(frozen=True)
class RowWeights:
    """Per-row NAB weights for one file and profile (probation rows excluded)."""

    window: npt.NDArray[np.int64]  # window number, -1 outside windows
    weight: FloatArray  # TP weight inside a window, FP weight outside
    n_windows: int  # windows with at least one scored row
    scored: npt.NDArray[np.bool_]


def row_weights(f: DataFile, a_tp: float, a_fp: float) -> RowWeights:
    n = f.t.size
    window = np.full(n, -1, dtype=np.int64)
    weight = np.zeros(n)
    max_tp = _scaled_sigmoid(-1.0)
    prev_right: int | None = None
    prev_width = 0.0
    bounds = dict(enumerate(f.windows))
    current = 0
    for i in range(n):
        w = bounds.get(current)
        if w is not None and w[0] <= i <= w[1]:
            width = float(w[1] - w[0] + 1)
            window[i] = current
            weight[i] = a_tp * _scaled_sigmoid(-(w[1] - i + 1) / width) / max_tp
            if i == w[1]:
                prev_right, prev_width, current = i, width, current + 1
        else:
            past = 3.0 if prev_right is None else abs(prev_right - i) / (prev_width - 1.0)
            weight[i] = a_fp * _scaled_sigmoid(past)
    scored = np.arange(n) >= f.probation
    counted = {int(x) for x in np.unique(window[scored & (window >= 0)])}
    return RowWeights(window, weight, len(counted), scored)


def file_score(rw: RowWeights, detections: npt.NDArray[np.bool_], a_fn: float) -> float:
    hit = detections & rw.scored
    total = float(np.sum(rw.weight[hit & (rw.window < 0)]))
    for k in np.unique(rw.window[rw.scored & (rw.window >= 0)]):
        in_window = hit & (rw.window == k)
        total += max(-a_fn, float(np.max(rw.weight[in_window]))) if in_window.any() else -a_fn
    return total


def normalised(
    weights: list[RowWeights], scores: list[FloatArray], profile: str
) -> tuple[float, float]:
    """(best normalised score, its threshold) over the threshold grid."""
    a_tp, _, a_fn = PROFILES[profile]
    n_windows = sum(w.n_windows for w in weights)
    null, perfect = -a_fn * n_windows, a_tp * n_windows
    best = (-math.inf, 1.0)
    for threshold in THRESHOLDS:
        raw = sum(file_score(w, s >= threshold, a_fn) for w, s in zip(weights, scores, strict=True))
        best = max(best, (100.0 * (raw - null) / (perfect - null), float(threshold)))
    return best


class WindowedGaussian:
    """NAB's Windowed Gaussian: tail probability of each value under the last 1000 values."""

    def __init__(self, probation: int = 750, window: int = 1000) -> None:
        self.window = window
        self.buffer: list[float] = []
        self.total = 0.0
        self.total_sq = 0.0

    def score(self, t: float, v: float) -> float:
        score = 0.0
        n = len(self.buffer)
        if n > 0:
            mean = self.total / n
            std = math.sqrt(max(self.total_sq / n - mean * mean, 0.0)) or 1e-6
            score = 1.0 - 0.5 * math.erfc(abs(v - mean) / std / math.sqrt(2.0))
        self.buffer.append(v)
        self.total += v
        self.total_sq += v * v
        if len(self.buffer) > self.window:
            old = self.buffer.pop(0)
            self.total -= old
            self.total_sq -= old * old
        return score


class NullDetector:
    def __init__(self, probation: int = 750) -> None:
        pass

    def score(self, t: float, v: float) -> float:
        return 0.0


DETECTORS: dict[str, Callable[[int], AnomalyScorer | WindowedGaussian | NullDetector]] = {
    "AnomalyScorer": AnomalyScorer,
    "Windowed Gaussian": WindowedGaussian,
    "null": NullDetector,
}


def run_file(job: tuple[str, DataFile]) -> FloatArray:
    name, f = job
    detector = DETECTORS[name](f.probation)
    return np.array([detector.score(t, v) for t, v in zip(f.t.tolist(), f.v.tolist(), strict=True)])


def run_detector(name: str, files: list[DataFile], pool: ProcessPoolExecutor) -> list[FloatArray]:
    return list(pool.map(run_file, ((name, f) for f in files)))


def main(names: Iterable[str] = DETECTORS) -> None:
    root = nab_dir()
    files = load_corpus(root)
    n_rows = sum(f.t.size for f in files)
    weights = {
        p: [row_weights(f, a_tp, a_fp) for f in files] for p, (a_tp, a_fp, _) in PROFILES.items()
    }
    n_windows = sum(w.n_windows for w in weights["standard"])
    print(f"NAB corpus: {len(files)} files, {n_rows} rows, {n_windows} scored windows ({root})")
    print("normalised scores (null detector 0, perfect 100); one threshold per detector")
    with ProcessPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for name in names:
            start = time.perf_counter()
            scores = run_detector(name, files, pool)
            elapsed = time.perf_counter() - start
            results = {p: normalised(weights[p], scores, p) for p in PROFILES}
            std, threshold = results["standard"]
            print(
                f"{name:>18}: standard {std:5.1f} (threshold {threshold:.6f}), "
                f"reward_low_FP {results['reward_low_FP_rate'][0]:5.1f}, "
                f"reward_low_FN {results['reward_low_FN_rate'][0]:5.1f}  "
                f"[{elapsed:.1f} s, {1e6 * elapsed / n_rows:.0f} us/row]"
            )


if __name__ == "__main__":
    main(sys.argv[1:] or list(DETECTORS))
