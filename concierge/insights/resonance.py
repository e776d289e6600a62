# SPDX-License-Identifier: Apache-2.0
"""Shape novelty by adaptive resonance, in the style of ARTime (no look-ahead).

The series is downsampled into blocks that keep their extreme (spikes survive,
noise does not); values close to a running median snap to it.  The last
``WINDOW`` block values, normalised by the range seen so far, plus the Haar
transform of the same window min-max normalised (its shape, whatever its
scale), form a feature vector in [0, 1].  A dual-vigilance fuzzy ART keeps at
most ``MAX_PROTOTYPES`` prototypes (boxes).  A vector that resonates with no
prototype above the lower vigilance creates a new one: that, and only that,
can score.  Vigilance adapts to each series' own match history, so the alarm
rate calibrates itself; alarms are masked for a while after a new prototype,
unless the new event is clearly worse than the last alarm.

All time constants are in blocks; the block length is a share of probation.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

WINDOW = 8  # block values per feature window
LEVELS = 80  # quantisation levels of the normalised value
SNAP = 0.075  # share of the range within which a block value snaps to the median
SPIKE = 0.1  # share of the range a block extreme must clear to stand for the block
MAX_PROTOTYPES = 64
INITIAL_RHO = 0.8
MASK_BLOCKS = 12  # blocks an alarm masks the next ones (1.5 windows)
MEDIAN_STEP = 0.02
HISTORY_TRENDS = 2  # memory of the mismatch history, in probations
LOG_MISS = True  # share of the range the running median moves per block

DIM = 2 * WINDOW
_NOW = 2 * WINDOW - 1  # index of the current level in a feature vector


def _haar_matrix(n: int) -> FloatArray:
    """Orthonormal full-depth Haar transform as an n x n matrix (n a power of 2)."""
    rows: list[FloatArray] = []
    size = n
    while size > 1:
        half = size // 2
        for k in range(n // size):
            row = np.zeros(n)
            row[k * size : k * size + half] = 1.0
            row[k * size + half : (k + 1) * size] = -1.0
            rows.append(row / math.sqrt(size))
        size = half
    rows.append(np.full(n, 1.0 / math.sqrt(n)))
    return np.array(rows[::-1])


_HAAR = _haar_matrix(WINDOW)


class ShapeResonance:
    """Feed every point with :meth:`push`: a confidence in [0, 1] on novel shapes, else 0."""

    # Plain scalars and counters, in the order the state lists them.
    _SCALARS = (
        "_low", "_high", "_block_avg", "_median", "_rho_lb", "_rho_ub",
        "_match_sum", "_alarm_sim", "_alarm_sim_sum", "_alarm_sim_last",
    )  # fmt: skip
    _COUNTERS = (
        "_i", "_match_count", "_last_alarm", "_last_rho_update", "_no_new", "_mask_after_new",
        "_alarms",
    )  # fmt: skip

    def __init__(self, probation: int, block: int) -> None:
        self.block = max(1, block)
        self.trend = max(2 * WINDOW, probation // self.block)  # blocks in probation
        self._low = math.inf
        self._high = -math.inf
        self._block_avg = math.nan
        self._median = math.nan
        self._rho_lb = 0.0
        self._rho_ub = 0.0
        self._match_sum = 0.0
        self._alarm_sim = 0.0
        self._alarm_sim_sum = 0.0
        self._alarm_sim_last = 0.0
        self._i = 0  # blocks closed
        self._match_count = 0
        self._last_alarm = 0
        self._last_rho_update = 0
        self._no_new = 0
        self._mask_after_new = 0
        self._alarms = 0
        self._values: list[float] = []  # current block
        self._window: deque[float] = deque([0.0] * WINDOW, maxlen=WINDOW)  # raw block values
        self._sims: deque[float] = deque([1.0] * (self.trend // 2 + 1), maxlen=self.trend // 2 + 1)
        self._gaps: deque[float] = deque([0.0] * (self.trend + 1), maxlen=self.trend + 1)
        self._pending: list[float] = []  # block values of the probation
        self._protos: FloatArray = np.ones((1, 2 * DIM))
        self._used: list[int] = [0]  # block of each prototype's latest resonance

    # -- per point ------------------------------------------------------------

    def push(self, v: float) -> float:
        if v < self._low or v > self._high:
            self._grow(min(v, self._low), max(v, self._high))
        self._values.append(v)
        if len(self._values) < self.block:
            return 0.0
        y = self._downsample()
        self._i += 1
        if self._i <= self.trend:
            self._pending.append(y)
            if self._i == self.trend:
                self._train_probation()
            return 0.0
        return self._detect(self._features(list(self._window)), self._i)

    def _grow(self, low: float, high: float) -> None:
        """Widen the range; re-express the prototypes' level boxes in the new range."""
        old_low, old_span = self._low, self._high - self._low
        self._low, self._high = low, high
        span = high - low
        if not (math.isfinite(old_span) and old_span > 0.0 and span > 0.0):
            return
        a, b = old_span / span, (old_low - low) / span
        p = self._protos
        committed = p[:, WINDOW:DIM] <= 1.0 - p[:, DIM + WINDOW :]  # skip the empty box
        lower = a * p[:, WINDOW:DIM] + b
        upper = a * (1.0 - p[:, DIM + WINDOW :]) + b
        p[:, WINDOW:DIM] = np.where(committed, lower, p[:, WINDOW:DIM])
        p[:, DIM + WINDOW :] = np.where(committed, 1.0 - upper, p[:, DIM + WINDOW :])

    def _downsample(self) -> float:
        """The block's extreme (or its mean when no extreme stands out), snapped to the median."""
        values = self._values
        self._values = []
        mean = math.fsum(values) / len(values)
        avg = mean if math.isnan(self._block_avg) else self._block_avg
        self._block_avg = avg = (avg + mean) / 2.0
        hi, lo = max(values), min(values)
        y = hi if abs(hi - avg) >= abs(lo - avg) else lo
        span = self._high - self._low
        if abs(y - mean) < SPIKE * span:
            y = mean
        if math.isnan(self._median):
            self._median = y
        elif y > self._median:
            self._median = min(y, self._median + MEDIAN_STEP * span)
        elif y < self._median:
            self._median = max(y, self._median - MEDIAN_STEP * span)
        if abs(y - self._median) < SNAP * span:
            y = self._median
        self._window.append(y)
        return y

    def _features(self, window: list[float]) -> FloatArray:
        """Window levels in the seen range (quantised) and its min-max Haar shape."""
        span = self._high - self._low
        if span > 0.0:
            levels = [round(min(1.0, max(0.0, (x - self._low) / span)) * LEVELS) / LEVELS
                      for x in window]  # fmt: skip
        else:
            levels = [0.0] * WINDOW
        lo, hi = min(levels), max(levels)
        shape = [(x - lo) / (hi - lo) for x in levels] if hi > lo else [0.0] * WINDOW
        wave = (_HAAR @ np.asarray(shape)).tolist()
        wlo, whi = min(wave), max(wave)
        wave = [(x - wlo) / (whi - wlo) for x in wave] if whi > wlo else [0.0] * WINDOW
        return np.asarray(wave + levels)

    # -- fuzzy ART --------------------------------------------------------------

    def _match(self, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(match, energy match, min(x, W)) of a complement-coded vector against every prototype."""
        w = self._protos
        em = np.minimum(x, w)
        size = np.maximum(w.sum(axis=1), 1e-3)
        features = em.sum(axis=1) / size
        energy = (em[:, _NOW] + em[:, -1]) / np.maximum(w[:, _NOW] + w[:, -1], 1e-9)
        return features**3 * energy**2, energy, em

    def _train(self, f: FloatArray, learn: bool = True) -> tuple[bool, float, float]:
        """One ART step: (new cluster?, best match, its energy match)."""
        x = np.concatenate((f, 1.0 - f))
        match, energy, em = self._match(x)
        best = int(np.argmax(match))
        m, e = float(match[best]), float(energy[best])
        if not learn:
            return False, m, e
        if m >= self._rho_ub:
            resonant = np.flatnonzero(match >= self._rho_ub)
            self._protos[resonant] = em[resonant]
            for k in resonant.tolist():
                self._used[k] = self._i
            return False, m, e
        self._add(x)
        return m < self._rho_lb, m, e

    def _add(self, x: FloatArray) -> None:
        if self._protos.shape[0] < MAX_PROTOTYPES:
            self._protos = np.vstack((self._protos, x))
            self._used.append(self._i)
            return
        stale = min(range(1, len(self._used)), key=self._used.__getitem__)  # keep the empty box
        self._protos[stale] = x
        self._used[stale] = self._i

    def _train_probation(self) -> None:
        """Initial vigilance from a similarity-ordered pass, then learn the probation blocks."""
        ys, self._pending = self._pending, []
        padded = [0.0] * (WINDOW - 1) + ys
        pending = [self._features(padded[k : k + WINDOW]) if k >= WINDOW - 1 else np.zeros(DIM)
                   for k in range(len(ys))]  # fmt: skip
        feats = np.asarray(pending[WINDOW - 1 :])
        norms = np.linalg.norm(feats, axis=1)
        safe = np.where(norms > 0.0, norms, 1.0)
        sim = (feats @ feats.T) / np.outer(safe, safe)
        np.fill_diagonal(sim, 1.0)
        order = np.argsort(sim.sum(axis=0), kind="stable")
        probe = ShapeResonance.__new__(ShapeResonance)
        probe._protos, probe._used, probe._i = np.ones((1, 2 * DIM)), [0], 0
        probe._rho_lb = probe._rho_ub = INITIAL_RHO
        matches = [0.0] + [probe._train(feats[k])[1] for k in order[1:].tolist()]
        rho = float(np.mean(matches[self.trend // 2 - 1 :] or matches))
        self._rho_lb = self._rho_ub = rho
        for k, f in enumerate(pending, start=1):
            self._detect(f, k)

    def _detect(self, f: FloatArray, i: int) -> float:
        since = i - self._last_alarm
        update_after_alarm = since == MASK_BLOCKS
        update_for_trend = i - self._last_rho_update >= self.trend // 2
        masked_after_alarm = since <= MASK_BLOCKS
        if i > self.trend + MASK_BLOCKS and self._mask_after_new and self._no_new >= MASK_BLOCKS:
            self._mask_after_new = 0
        if i == 1:
            new, m, e = False, 0.0, 0.0  # the first vector only sets up the empty box
        else:
            new, m, e = self._train(f, learn=i >= WINDOW)
            new = new or i < WINDOW
        self._no_new = 0 if new else self._no_new + 1
        self._match_sum += m
        self._match_count += 1
        self._sims.append(m)
        self._gaps.append(self._rho_ub - m)
        if since < MASK_BLOCKS and self._alarms:
            self._alarm_sim_last = min(self._alarm_sim_last, m)
        below_last = m < self._alarm_sim * (0.9 if masked_after_alarm else 0.7)
        masked = bool(self._mask_after_new) or masked_after_alarm
        score = 0.0
        if i > self.trend and new and (not masked or below_last):
            score = self._confidence(m, e)
            if self._alarms:
                self._alarm_sim_sum += self._alarm_sim_last
            self._alarms += 1
            self._alarm_sim_last = self._alarm_sim = m
            self._last_alarm = i
        self._mask_after_new = int(new or bool(self._mask_after_new))
        if i > self.trend and (update_after_alarm or update_for_trend):
            self._update_vigilance(i)
        return score

    def _update_vigilance(self, i: int) -> None:
        rho_ub = min(0.97, self._match_sum / self._match_count)
        lowest = min(self._sims)
        if self._rho_lb <= lowest:
            rho_lb = self._rho_lb + 0.19 * (lowest - self._rho_lb)
        else:
            drop = 0.0
            if i > 2 * self.trend:
                gaps = [min(0.37, g) for g in self._gaps if g > 0.05]
                drop = math.fsum(gaps) / len(gaps) if gaps else 0.0
            rho_lb = self._rho_lb - max(0.01, drop) / 2.0
            if self._alarms:
                mean_alarm = (self._alarm_sim_sum + self._alarm_sim_last) / self._alarms
                rho_lb = max(mean_alarm, rho_lb)
        self._rho_lb, self._rho_ub = min(rho_ub, rho_lb), rho_ub
        self._last_rho_update = i
        self._mask_after_new = 1

    def _confidence(self, m: float, e: float) -> float:
        m = min(0.999, m)
        ub = 1.0 - (1.0 - self._rho_ub) / (1.0 - m)
        lb = 1.0 - (1.0 - self._rho_lb) / (1.0 - m)
        return max(0.0, min(1.0, 0.35 * ub + 0.65 * lb + 1.5 * (1.0 - e)))

    # -- persistence --------------------------------------------------------------

    def state(self) -> tuple[list[float], list[int], list[list[float]], bytes]:
        """(scalars, counters, sequences, prototypes) for the owner's msgpack state."""
        scalars = [float(getattr(self, name)) for name in self._SCALARS]
        counters = [int(getattr(self, name)) for name in self._COUNTERS]
        sequences = [self._values, list(self._window), list(self._sims), list(self._gaps),
                     [float(u) for u in self._used], self._pending]  # fmt: skip
        return scalars, counters, sequences, self._protos.tobytes()

    def restore(
        self, scalars: list[float], counters: list[int], sequences: list[list[float]], protos: bytes
    ) -> None:
        for name, value in zip(self._SCALARS, scalars, strict=True):
            setattr(self, name, value)
        for name, count in zip(self._COUNTERS, counters, strict=True):
            setattr(self, name, count)
        values, window, sims, gaps, used, pending = sequences
        self._values = list(values)
        self._window.extend(window)
        self._sims.extend(sims)
        self._gaps.extend(gaps)
        self._used = [int(u) for u in used]
        self._pending = list(pending)
        self._protos = np.frombuffer(protos, dtype=np.float64).reshape(-1, 2 * DIM).copy()
