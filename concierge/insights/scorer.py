"""Streaming early-warning anomaly scorer (NAB-style: one score in [0, 1] per point).

Each point's context (the last ``embed`` values) is compared with every earlier
context in a bounded history; the distance to the nearest one, in units of the
series' robust scale, is the raw surprise.  Like Numenta's anomaly likelihood,
a short average of raw surprise is then judged against its own long-run
distribution, and the tail probability is mapped to [0, 1] logarithmically.
After an alarm, only a stronger alarm is reported for a rest period, so one
incident yields one early detection instead of a burst.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from concierge.insights.series import FloatArray

MIN_SCALE = 1e-9


class AnomalyScorer:
    """Feed points in time order with :meth:`score`; scores stay 0 during probation."""

    def __init__(
        self,
        probation: int = 750,
        *,
        embed: int = 8,
        history: int = 3000,
        short: int = 5,
        long: int = 1000,
        rest_share: float = 0.33,
        log_floor: float = 1e-12,
        log_raw: float = 0.0,
        tail_mode: bool = False,
        tail_share: float = 0.1,
        score_c: float = 0.0,
        hard_rest: bool = False,
        trigger: float = 0.5,
        damp: float = 0.5,
        spatial: float = 0.0,
    ) -> None:
        self._spatial = spatial
        self._lo = math.inf
        self._hi = -math.inf
        self._hard_rest = hard_rest
        self._trigger = trigger
        self._damp = damp
        self._tail_mode = tail_mode
        self._tail_share = tail_share
        self._score_c = score_c
        self._tail_u: float | None = None
        self._tail_sigma = 1.0
        self._log_raw = log_raw
        self.probation = max(int(probation), 2 * embed + 10)
        self._embed = embed
        self._recent: deque[float] = deque(maxlen=embed)
        self._values: deque[float] = deque(maxlen=history)
        self._contexts = np.zeros((history, embed))
        self._stored = 0
        self._next = 0
        self._raw: deque[float] = deque(maxlen=long)
        self._raw_sum = 0.0
        self._raw_sq = 0.0
        self._short: deque[float] = deque(maxlen=short)
        self._scale = 1.0
        self._n = 0
        self._rest = max(1, round(rest_share * self.probation))
        self._alarm_level = 0.0
        self._alarm_age = self._rest
        self._log_floor = log_floor

    def score(self, t: float, v: float) -> float:
        """Anomaly score in [0, 1] of the point ``v`` at time ``t`` (epoch seconds)."""
        if not math.isfinite(v):
            return 0.0
        self._n += 1
        self._recent.append(v)
        self._values.append(v)
        if self._n % 64 == 1 or self._n <= self.probation:
            self._update_scale()
        if len(self._recent) < self._embed:
            return 0.0
        context = np.fromiter(self._recent, dtype=np.float64, count=self._embed)
        raw = self._nearest_distance(context) / self._scale
        if self._log_raw > 0.0:
            raw = math.log(raw + self._log_raw)
        self._store(context)
        self._short.append(raw)
        likelihood_score = self._likelihood(sum(self._short) / len(self._short))
        self._remember(raw)
        novel = 0.0
        if self._spatial > 0.0 and self._n > self.probation:
            tol = self._spatial * (self._hi - self._lo)
            if v > self._hi + tol or v < self._lo - tol:
                novel = 1.0
        self._lo = min(self._lo, v)
        self._hi = max(self._hi, v)
        if self._n <= self.probation:
            return 0.0
        return self._rested(max(likelihood_score, novel))

    def _update_scale(self) -> None:
        x = np.fromiter(self._values, dtype=np.float64)
        q25, q75 = np.percentile(x, [25.0, 75.0])
        scale = float(q75 - q25) / 1.349
        if scale <= MIN_SCALE:
            scale = float(np.std(x))
        self._scale = max(scale, MIN_SCALE * max(1.0, abs(float(np.median(x)))))

    def _nearest_distance(self, context: FloatArray) -> float:
        size = self._contexts.shape[0]
        if self._stored <= self._embed:
            return 0.0
        diff = self._contexts[: self._stored] - context
        dist = np.einsum("ij,ij->i", diff, diff)
        # skip the ``embed`` latest contexts: they overlap this one (trivial matches)
        latest = (self._next - 1 - np.arange(self._embed)) % size
        dist[latest[latest < self._stored]] = np.inf
        return math.sqrt(float(np.min(dist)) / self._embed)

    def _store(self, context: FloatArray) -> None:
        self._contexts[self._next] = context
        self._next = (self._next + 1) % self._contexts.shape[0]
        self._stored = min(self._stored + 1, self._contexts.shape[0])

    def _likelihood(self, short_mean: float) -> float:
        """Tail probability of ``short_mean`` under the raw history, as a 0..1 score."""
        n = len(self._raw)
        if n < 10:
            return 0.0
        if self._tail_mode:
            if self._n % 8 == 0 or self._tail_u is None:
                x = np.fromiter(self._raw, dtype=np.float64)
                u = float(np.quantile(x, 1.0 - self._tail_share))
                exc = x[x > u] - u
                self._tail_u = u
                self._tail_sigma = max(float(np.mean(exc)) if exc.size else 0.0, 1e-9)
            assert self._tail_u is not None
            if short_mean <= self._tail_u:
                return 0.0
            neg_log_p = -math.log(self._tail_share) + (short_mean - self._tail_u) / self._tail_sigma
            return 1.0 - math.exp(-neg_log_p / self._score_c)
        mean = self._raw_sum / n
        std = max(math.sqrt(max(self._raw_sq / n - mean * mean, 0.0)), 1e-6)
        tail = 0.5 * math.erfc((short_mean - mean) / std / math.sqrt(2.0))
        if self._score_c > 0:
            return 1.0 - math.exp(math.log(max(tail, 1e-300)) / self._score_c)
        return min(1.0, math.log(max(tail, 1e-300)) / math.log(self._log_floor))

    def _remember(self, raw: float) -> None:
        if len(self._raw) == self._raw.maxlen:
            old = self._raw[0]
            self._raw_sum -= old
            self._raw_sq -= old * old
        self._raw.append(raw)
        self._raw_sum += raw
        self._raw_sq += raw * raw

    def _rested(self, s: float) -> float:
        """Once alarmed, report only stronger scores until the rest period is over."""
        self._alarm_age += 1
        if self._hard_rest:
            if self._alarm_age < self._rest:
                return s * self._damp
            if s >= self._trigger:
                self._alarm_age = 0
            return s
        if self._alarm_age >= self._rest:
            self._alarm_level = 0.0
        if s > self._alarm_level:
            if s >= 0.5:
                self._alarm_level, self._alarm_age = s, 0
            return s
        return s * 0.5
