# SPDX-License-Identifier: Apache-2.0
"""Streaming early-warning anomaly scorer: one score in [0, 1] per incoming point.

Two signals, after a probation period spent learning the series:

* context surprise: the last ``EMBED`` values are compared with every earlier
  stretch of the same length in a bounded history; the distance to the nearest
  one, in units of the series' robust scale, is the raw surprise.  As in
  Numenta's anomaly likelihood, a short average of raw surprise is judged
  against its own long-run mean and spread, and the Gaussian tail probability p
  is mapped to ``1 - exp(ln p / SCORE_SCALE)``;
* range novelty: a value beyond everything seen so far (by more than
  ``RANGE_TOLERANCE`` of the seen range) scores 1.

After a score of at least ``ALARM_LEVEL`` the next scores are damped for a rest
period (``REST_SHARE`` of the probation length), so one incident yields one
early detection rather than a burst of false positives.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

EMBED = 8  # values per context
HISTORY = 3000  # contexts kept for nearest-neighbour search
SHORT = 5  # raw surprises averaged for the current point
LONG = 1000  # raw surprises forming the long-run distribution
SCORE_SCALE = 20.0  # -ln(p) at which the score reaches 1 - 1/e
ALARM_LEVEL = 0.6  # a score at or above this is an alarm and starts a rest period
REST_SHARE = 0.15
REST_DAMP = 0.5
RANGE_TOLERANCE = 0.05
SCALE_EVERY = 64  # points between robust-scale updates after probation
MIN_SCALE = 1e-9


class AnomalyScorer:
    """Feed points in time order with :meth:`score`; scores are 0 during probation.

    Deterministic: the same sequence of points always yields the same scores.
    """

    def __init__(self, probation: int = 750) -> None:
        self.probation = max(int(probation), 2 * EMBED + 10)
        self._rest = max(1, round(REST_SHARE * self.probation))
        self._n = 0
        self._recent: deque[float] = deque(maxlen=EMBED)
        self._values: deque[float] = deque(maxlen=HISTORY)
        self._contexts = np.zeros((HISTORY, EMBED))
        self._stored = 0
        self._next = 0
        self._scale = 1.0
        self._short: deque[float] = deque(maxlen=SHORT)
        self._raw: deque[float] = deque(maxlen=LONG)
        self._raw_sum = 0.0
        self._raw_sq = 0.0
        self._low = math.inf
        self._high = -math.inf
        self._since_alarm = self._rest

    def score(self, t: float, v: float) -> float:
        """Anomaly score in [0, 1] of value ``v`` at time ``t`` (epoch seconds).

        Non-finite values score 0 and are not learned from.
        """
        if not math.isfinite(v):
            return 0.0
        self._n += 1
        self._recent.append(v)
        self._values.append(v)
        if self._n <= self.probation or self._n % SCALE_EVERY == 1:
            self._update_scale()
        surprise = 0.0
        if len(self._recent) == EMBED:
            context = np.fromiter(self._recent, dtype=np.float64, count=EMBED)
            raw = self._nearest_distance(context) / self._scale
            self._store(context)
            self._short.append(raw)
            surprise = self._likelihood(sum(self._short) / len(self._short))
            self._remember(raw)
        novel = self._out_of_range(v)
        if self._n <= self.probation:
            return 0.0
        return self._rested(max(surprise, novel))

    def _update_scale(self) -> None:
        x = np.fromiter(self._values, dtype=np.float64)
        q25, q75 = np.percentile(x, [25.0, 75.0])
        scale = float(q75 - q25) / 1.349
        if scale <= MIN_SCALE:
            scale = float(np.std(x))
        self._scale = max(scale, MIN_SCALE * max(1.0, abs(float(np.median(x)))))

    def _nearest_distance(self, context: np.ndarray[tuple[int], np.dtype[np.float64]]) -> float:
        """RMS distance to the nearest earlier context that does not overlap this one."""
        if self._stored <= EMBED:
            return 0.0
        diff = self._contexts[: self._stored] - context
        dist = np.einsum("ij,ij->i", diff, diff)
        latest = (self._next - 1 - np.arange(EMBED)) % HISTORY
        dist[latest[latest < self._stored]] = np.inf
        return math.sqrt(float(np.min(dist)) / EMBED)

    def _store(self, context: np.ndarray[tuple[int], np.dtype[np.float64]]) -> None:
        self._contexts[self._next] = context
        self._next = (self._next + 1) % HISTORY
        self._stored = min(self._stored + 1, HISTORY)

    def _likelihood(self, short_mean: float) -> float:
        """Gaussian tail probability of ``short_mean`` under the raw history, as 0..1."""
        n = len(self._raw)
        if n < 10:
            return 0.0
        mean = self._raw_sum / n
        std = max(math.sqrt(max(self._raw_sq / n - mean * mean, 0.0)), 1e-6)
        tail = 0.5 * math.erfc((short_mean - mean) / std / math.sqrt(2.0))
        return 1.0 - math.exp(math.log(max(tail, 1e-300)) / SCORE_SCALE)

    def _remember(self, raw: float) -> None:
        if len(self._raw) == LONG:
            old = self._raw[0]
            self._raw_sum -= old
            self._raw_sq -= old * old
        self._raw.append(raw)
        self._raw_sum += raw
        self._raw_sq += raw * raw

    def _out_of_range(self, v: float) -> float:
        """1.0 for a value clearly beyond everything seen before (after probation)."""
        tolerance = RANGE_TOLERANCE * (self._high - self._low)
        beyond = v > self._high + tolerance or v < self._low - tolerance
        novel = self._n > self.probation and beyond
        self._low = min(self._low, v)
        self._high = max(self._high, v)
        return 1.0 if novel else 0.0

    def _rested(self, s: float) -> float:
        """Damp scores during the rest period that follows an alarm."""
        self._since_alarm += 1
        if self._since_alarm < self._rest:
            return s * REST_DAMP
        if s >= ALARM_LEVEL:
            self._since_alarm = 0
        return s
