# SPDX-License-Identifier: Apache-2.0
"""Level-shift channel: a change of level that stays inside the range already seen.

The range channel misses a level that moves to a new place *within* the seen range
(a cycle's trough held too long, a slow climb back), and the context channel misses
it when each context on its own looks like an old one.  This channel compares the
mean of the last ``SHIFT_CONTEXTS`` contexts' block means with a slow running mean
(horizon one probation) of the block means before them.  The departure, in robust
scales, is judged like the context surprise: a Gaussian upper tail against the
series' own history of departures (HTM's anomaly likelihood), so each series
normalises itself and a restless one needs a larger shift.
"""

from __future__ import annotations

import math
from collections import deque

SHIFT_CONTEXTS = 2  # short window, in contexts (16 blocks at 8 blocks per context)
SHIFT_HORIZON = 1.0  # horizon of the slow mean, in probations
MIN_HISTORY = 10  # departures needed before the tail is judged


class LevelShift:
    """Feed each closed block's mean with :meth:`push`; returns the upper tail p (1: no news)."""

    def __init__(self, short_blocks: int, block_len: int, probation: int, memory: int) -> None:
        self._short: deque[float] = deque(maxlen=max(2, short_blocks))
        self._alpha = min(1.0, block_len / (SHIFT_HORIZON * probation))
        self._history: deque[float] = deque(maxlen=max(MIN_HISTORY, memory))
        self._slow = math.nan
        self._sum = 0.0
        self._sum_sq = 0.0

    def push(self, block_mean: float, scale: float) -> float:
        short = self._short
        if len(short) == short.maxlen:
            leaving = short[0]  # the slow mean only sees blocks older than the short window
            slow = self._slow
            self._slow = leaving if math.isnan(slow) else slow + self._alpha * (leaving - slow)
        short.append(block_mean)
        if math.isnan(self._slow):
            return 1.0
        departure = abs(math.fsum(short) / len(short) - self._slow) / scale
        history = self._history
        n = len(history)
        tail = 1.0
        if n >= MIN_HISTORY:
            mean = self._sum / n
            std = max(math.sqrt(max(self._sum_sq / n - mean * mean, 0.0)), 1e-6)
            tail = 0.5 * math.erfc((departure - mean) / std / math.sqrt(2.0))
        if n == history.maxlen:
            old = history[0]
            self._sum -= old
            self._sum_sq -= old * old
        history.append(departure)
        self._sum += departure
        self._sum_sq += departure * departure
        return tail

    # -- persistence --------------------------------------------------------------

    def state(self) -> list[list[float]]:
        return [[self._slow, self._sum, self._sum_sq], list(self._short), list(self._history)]

    def restore(self, state: list[list[float]]) -> None:
        (self._slow, self._sum, self._sum_sq), short, history = state
        self._short.extend(short)
        self._history.extend(history)
