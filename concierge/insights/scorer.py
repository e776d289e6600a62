# SPDX-License-Identifier: Apache-2.0
"""Streaming early-warning anomaly scorer: one score in [0, 1] per incoming point.

The design follows the study in ``shared/design/foresight.md`` (ARTime's
downsampled shapes, HTM's anomaly likelihood, onset-only alarms), kept cheap
enough for a few microseconds per point:

* **shape channel**: the series is cut into blocks of ``BLOCK_SHARE`` of the
  probation length; each block keeps its extreme (the value furthest from a
  running average of block means, so spikes survive and noise does not).  The
  last ``CONTEXT_BLOCKS`` extremes form a context, described by its level (in
  units of the probation's robust scale) and its min-max shape.  The raw
  surprise is the distance to the nearest earlier context in a bounded memory;
* **likelihood**: as in Numenta's anomaly likelihood, a short mean of the raw
  surprise is judged against the mean and spread of the last
  ``LIKELIHOOD_SHARE`` x probation worth of surprises (self-normalising per
  series); the Gaussian tail p becomes ``-log10(p) / SCORE_DECADES``;
* **resonance channel** (:mod:`concierge.insights.resonance`): ARTime-style
  shape novelty on blocks of ``RESONANCE_SHARE`` of probation; only a new
  prototype that the series' own adaptive vigilance finds clearly novel
  (confidence >= ``RESONANCE_LEVEL``) reaches the alarm threshold;
* **level-shift channel** (:mod:`concierge.insights.level_shift`): the mean of
  the last two contexts' block means against a slow running mean of the blocks
  before them, judged by its own Gaussian tail (a level that moves inside the
  range already seen);
* **range channel**: a value beyond everything seen before the current
  context, by more than ``RANGE_TOLERANCE`` robust scales, scores 1.  The
  range starts from the probation data and grows as data arrives (no look-ahead);
* **onset only**: an alarm (score >= ``ALARM_THRESHOLD``) starts a rest of
  ``REST_SHARE`` x probation points during which the output is 0, so one
  incident yields one early alarm; only a stronger event escapes the rest: a
  value beyond everything seen so far, the previous alarm's values included
  (ARTime's mask with an escape for a clearly worse event).

Scores are 0 during probation and between block ends (except for range
novelty), so the output is 0 almost everywhere.  The state round-trips through
:meth:`AnomalyScorer.to_state` / :meth:`AnomalyScorer.from_state` bit for bit.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass, fields
from typing import Literal

import msgspec
import numpy as np
import numpy.typing as npt

from concierge.insights.level_shift import SHIFT_CONTEXTS, LevelShift
from concierge.insights.resonance import ShapeResonance

# The free parameters (ratios of the probation length, robust scales, a confidence).
BLOCK_SHARE = 1.0 / 200.0  # block length as a share of probation (3-4 points at 750)
CONTEXT_BLOCKS = 8  # block extremes per context
LIKELIHOOD_SHARE = 2.0  # memory of the likelihood, as a multiple of probation
REST_SHARE = 0.3  # quiet period after an alarm, as a share of probation (a new record escapes it)
RANGE_TOLERANCE = 0.2  # robust scales a new extreme must clear beyond the seen range
RANGE_SHARE = 0.02  # ... and the share of the seen range (heavy tails set new records often)
RESONANCE_SHARE = 1.0 / 150.0  # block length of the resonance channel / probation (4-5 at 750)
RESONANCE_LEVEL = 0.95  # resonance confidence that scores 1 (a new shape, clearly novel)

ALARM_THRESHOLD = 0.61  # tuned by NAB's sweeper on the 51-file corpus: standard 75.14
SCORE_DECADES = 12.0  # score 1 at a tail probability of 1e-12 (threshold 0.61: p ~ 5e-8)
SHIFT_DECADES = 16.0  # the level-shift tail (x2, Bonferroni) scores 1 at 1e-16 (0.61: p ~ 3e-10)

SHORT = 2  # raw surprises averaged for the current block
MEMORY = 1500  # contexts kept for the nearest-neighbour search
SHAPE_WEIGHT = 3.0  # weight of the min-max shape beside the level (in scale units)
SHAPE_MIN_SPAN = 1.0  # contexts spanning less than this many scales have no shape
BLOCK_TREND = 0.1  # smoothing of the running average of block means
MIN_SCALE = 1e-9
STATE_VERSION = 2

Channel = Literal["level", "shift", "variance", "shape", "range"]
Confidence = Literal["low", "medium", "high"]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ScorerParams:
    """The tunable parameters; defaults are the shipped settings."""

    block_share: float = BLOCK_SHARE
    context_blocks: int = CONTEXT_BLOCKS
    likelihood_share: float = LIKELIHOOD_SHARE
    rest_share: float = REST_SHARE
    range_tolerance: float = RANGE_TOLERANCE
    range_share: float = RANGE_SHARE
    resonance_share: float = RESONANCE_SHARE
    resonance_level: float = RESONANCE_LEVEL
    alarm_threshold: float = ALARM_THRESHOLD


@dataclass(frozen=True)
class AnomalyExplanation:
    """Why the latest alarm fired, for a technician (codes, not prose).

    ``channel`` is the kind of change; ``ratio`` how far the recent behaviour is
    from the usual one in that channel (e.g. channel "variance", ratio 4.1:
    "variance 4.1x usual"; for "level"/"shift"/"range" the departure in robust
    scales); ``onset`` the time (epoch seconds) the surprise began rising;
    ``at`` the alarm's time; ``score`` the alarm's score; ``confidence`` a bucket
    of the score's margin over the threshold.
    """

    channel: Channel
    ratio: float
    onset: float
    at: float
    score: float
    confidence: Confidence


class _State(msgspec.Struct, array_like=True):
    """Everything needed to continue scoring, in a compact msgpack form."""

    version: int
    params: list[float]  # ScorerParams in field order; range_share is missing before it existed
    probation: int
    n: int
    scalars: list[float]  # see AnomalyScorer._SCALARS
    counters: list[int]  # see AnomalyScorer._COUNTERS
    block: list[float]
    extremes: list[float]
    short: list[float]
    surprises: list[float]
    recent: list[float]
    probation_values: list[float]
    levels: bytes
    shapes: bytes
    alarm: list[float] | None
    alarm_recent: list[float] | None
    resonance_scalars: list[float]
    resonance_counters: list[int]
    resonance_sequences: list[list[float]]
    resonance_prototypes: bytes
    level_shift: list[list[float]] = []  # empty in states written before the channel existed


class AnomalyScorer:
    """Feed points in time order with :meth:`score`; scores are 0 during probation.

    Deterministic: the same sequence of points always yields the same scores.
    """

    _SCALARS = ("_scale", "_center", "_low", "_high", "_block_avg", "_sum", "_sum_sq", "_rise")
    _COUNTERS = ("_since_alarm", "_stored", "_next", "_blocks")

    def __init__(self, probation: int = 750, params: ScorerParams | None = None) -> None:
        self.params = params or ScorerParams()
        self.probation = max(int(probation), 2)
        p = self.params
        self._block_len = max(1, round(p.block_share * self.probation))
        self._embed = max(2, int(p.context_blocks))
        self._rest = max(1, round(p.rest_share * self.probation))
        self._long = max(10, round(p.likelihood_share * self.probation / self._block_len))
        self._n = 0
        self._scale = 1.0
        self._center = 0.0
        self._low = math.inf
        self._high = -math.inf
        self._block_avg = math.nan
        self._sum = 0.0
        self._sum_sq = 0.0
        self._rise = math.nan  # time the surprise began rising (nan: not rising)
        self._since_alarm = self._rest
        self._stored = 0
        self._next = 0
        self._blocks = 0
        self._block: list[float] = []
        self._extremes: deque[float] = deque(maxlen=self._embed)
        self._short: deque[float] = deque(maxlen=SHORT)
        self._surprises: deque[float] = deque(maxlen=self._long)
        span = self._block_len * self._embed
        self._recent: deque[float] = deque(maxlen=4 * span)
        self._probation_values: list[float] = []
        self._levels: FloatArray = np.zeros((MEMORY, self._embed))
        self._shapes: FloatArray = np.zeros((MEMORY, self._embed))
        self._alarm: tuple[float, float, float, float] | None = None  # at, score, onset, range
        self._alarm_recent: list[float] | None = None
        self._resonance = ShapeResonance(self.probation, round(p.resonance_share * self.probation))
        self._level_shift = LevelShift(
            SHIFT_CONTEXTS * self._embed, self._block_len, self.probation, self._long
        )
        self._shift_tail = 1.0

    # -- scoring --------------------------------------------------------------

    def score(self, t: float, v: float) -> float:
        """Anomaly score in [0, 1] of value ``v`` at time ``t`` (epoch seconds).

        Non-finite values score 0 and are not learned from.
        """
        if not math.isfinite(v):
            return 0.0
        self._n += 1
        self._recent.append(v)
        if self._n <= self.probation:
            self._probation_values.append(v)
            if self._n == self.probation or self._n % self._block_len == 0:
                self._fit_scale()
            if self._n == self.probation:
                self._probation_values = []
        novelty = self._resonance.push(v)
        tail = shift_tail = 1.0
        self._block.append(v)
        if len(self._block) >= self._block_len:
            tail = self._close_block()
            shift_tail = min(1.0, 2.0 * self._shift_tail)  # two likelihood channels: Bonferroni
        beyond = self._out_of_range(v)
        if self._n <= self.probation:
            return 0.0
        if min(tail, shift_tail) < 0.05:
            if math.isnan(self._rise):
                self._rise = t
        elif tail < 1.0:
            self._rise = math.nan
        s = min(1.0, max(0.0, -math.log10(max(tail, 1e-300)) / SCORE_DECADES))
        s = max(s, min(1.0, -math.log10(max(shift_tail, 1e-300)) / SHIFT_DECADES))
        if beyond > 0.0:
            s = 1.0
        if novelty >= self.params.resonance_level:
            s = 1.0
        self._since_alarm += 1
        if self._since_alarm < self._rest and not (beyond > 0.0 and self._new_record(v)):
            return 0.0
        if s >= self.params.alarm_threshold:
            self._since_alarm = 0
            onset = t if math.isnan(self._rise) or beyond > 0.0 else self._rise
            self._alarm = (t, s, onset, beyond)
            self._alarm_recent = list(self._recent)
            self._rise = math.nan
        return s

    def _new_record(self, v: float) -> bool:
        """Whether ``v`` is a stronger event than the latest alarm: beyond every value seen
        so far (that alarm's included) by at least that alarm's own departure."""
        lag = self._block_len * self._embed
        n = len(self._recent)
        recent = list(itertools.islice(self._recent, max(0, n - lag - 1), n - 1))
        last = self._alarm[3] if self._alarm is not None else 0.0
        margin = max(self.params.range_tolerance, last) * self._scale
        if v > self._high:
            return v > max(recent, default=v) + margin
        return v < min(recent, default=v) - margin

    def _fit_scale(self) -> None:
        """Robust scale (IQR / 1.349, else std) and median of the probation data."""
        x = np.asarray(self._probation_values, dtype=np.float64)
        q25, q50, q75 = np.percentile(x, [25.0, 50.0, 75.0])
        scale = float(q75 - q25) / 1.349
        if scale <= MIN_SCALE:
            scale = float(np.std(x))
        self._center = float(q50)
        self._scale = max(scale, MIN_SCALE * max(1.0, abs(self._center)))

    def _close_block(self) -> float:
        """Reduce the block to its extreme; score the context it completes (tail p)."""
        block = self._block
        self._block = []
        mean = math.fsum(block) / len(block)
        avg = mean if math.isnan(self._block_avg) else self._block_avg
        self._block_avg = avg + BLOCK_TREND * (mean - avg)
        hi, lo = max(block), min(block)
        self._extremes.append(hi if abs(hi - self._block_avg) >= abs(lo - self._block_avg) else lo)
        self._blocks += 1
        self._shift_tail = self._level_shift.push(mean, self._scale)
        if len(self._extremes) < self._embed:
            return 1.0
        w = np.fromiter(self._extremes, dtype=np.float64, count=self._embed)
        span = float(w.max() - w.min())
        if span > SHAPE_MIN_SPAN * self._scale:
            shape = (w - w.min()) * (SHAPE_WEIGHT / span)
        else:
            shape = np.zeros(self._embed)
        raw = self._nearest(w, shape)
        self._levels[self._next] = w
        self._shapes[self._next] = shape
        self._next = (self._next + 1) % MEMORY
        self._stored = min(self._stored + 1, MEMORY)
        return self._likelihood(raw)

    def _nearest(self, w: FloatArray, shape: FloatArray) -> float:
        """RMS distance (levels in scale units, plus shape) to the nearest older context."""
        m = self._stored
        if m <= self._embed:
            return 0.0
        dl = self._levels[:m] - w
        ds = self._shapes[:m] - shape
        dist = np.einsum("ij,ij->i", dl, dl) / (self._scale * self._scale)
        dist += np.einsum("ij,ij->i", ds, ds)
        latest = (self._next - 1 - np.arange(self._embed)) % MEMORY
        dist[latest[latest < m]] = np.inf
        return math.sqrt(float(np.min(dist)) / (2 * self._embed))

    def _likelihood(self, raw: float) -> float:
        """Upper Gaussian tail of the short mean of raw surprise under its history."""
        self._short.append(raw)
        short_mean = math.fsum(self._short) / len(self._short)
        n = len(self._surprises)
        tail = 1.0
        if n >= 10:
            mean = self._sum / n
            std = max(math.sqrt(max(self._sum_sq / n - mean * mean, 0.0)), 1e-6)
            tail = 0.5 * math.erfc((short_mean - mean) / std / math.sqrt(2.0))
        if n == self._long:
            old = self._surprises[0]
            self._sum -= old
            self._sum_sq -= old * old
        self._surprises.append(raw)
        self._sum += raw
        self._sum_sq += raw * raw
        return min(tail, 1.0 - 1e-16)

    def _out_of_range(self, v: float) -> float:
        """Departure beyond the range seen before the current context, in robust scales.

        The range lags one context (``block length x CONTEXT_BLOCKS`` points), so a
        change that climbs a little per point still stands out against the range
        it left; 0 if within ``range_tolerance`` scales.
        """
        lag = self._block_len * self._embed
        if len(self._recent) > lag:
            old = self._recent[-lag - 1]
            self._low = min(self._low, old)
            self._high = max(self._high, old)
        p = self.params
        tolerance = max(p.range_tolerance * self._scale, p.range_share * (self._high - self._low))
        excess = 0.0
        if self._n > self.probation:
            if v > self._high + tolerance:
                excess = (v - self._high) / self._scale
            elif v < self._low - tolerance:
                excess = (self._low - v) / self._scale
        return excess

    # -- explanation ------------------------------------------------------------

    def explain(self) -> AnomalyExplanation | None:
        """Structured reason for the latest alarm (None before any alarm).

        Computed on demand from a snapshot of the recent values taken at the alarm.
        """
        if self._alarm is None or self._alarm_recent is None:
            return None
        at, score, onset, beyond = self._alarm
        threshold = self.params.alarm_threshold
        margin = (score - threshold) / max(1e-9, 1.0 - threshold)
        confidence: Confidence = "high" if margin >= 0.6 else "medium" if margin >= 0.25 else "low"
        if beyond > 0.0:
            return AnomalyExplanation("range", round(beyond, 2), onset, at, score, confidence)
        values = np.asarray(self._alarm_recent, dtype=np.float64)
        span = min(values.size // 2, self._block_len * self._embed)
        now, before = values[-span:], values[:-span]
        if before.size < 2:
            before = values
        scale = self._scale
        usual_spread = max(float(np.median(np.abs(np.diff(before)))), MIN_SCALE)
        spread = max(float(np.median(np.abs(np.diff(now)))) if now.size > 1 else 0.0, MIN_SCALE)
        variance = spread / usual_spread
        shift = abs(float(np.median(now)) - float(np.median(before))) / scale
        level = abs(float(values[-1]) - float(np.median(before))) / scale
        channel: Channel
        ratio: float
        if level >= 4.0 and level >= 2.0 * shift:
            channel, ratio = "level", level
        elif shift >= 2.0:
            channel, ratio = "shift", shift
        elif variance >= 2.0 or variance <= 0.5:
            channel, ratio = "variance", variance
        else:
            channel, ratio = "shape", max(level, shift)
        return AnomalyExplanation(channel, round(ratio, 2), onset, at, score, confidence)

    # -- persistence --------------------------------------------------------------

    def to_state(self) -> bytes:
        """The detector's full state as compact, versioned bytes (msgpack)."""
        p = self.params
        resonance = self._resonance.state()
        state = _State(
            version=STATE_VERSION,
            params=[float(getattr(p, f.name)) for f in fields(ScorerParams)],
            probation=self.probation,
            n=self._n,
            scalars=[float(getattr(self, name)) for name in self._SCALARS],
            counters=[int(getattr(self, name)) for name in self._COUNTERS],
            block=list(self._block),
            extremes=list(self._extremes),
            short=list(self._short),
            surprises=list(self._surprises),
            recent=list(self._recent),
            probation_values=list(self._probation_values),
            levels=self._levels[: self._stored].tobytes(),
            shapes=self._shapes[: self._stored].tobytes(),
            alarm=list(self._alarm) if self._alarm is not None else None,
            alarm_recent=self._alarm_recent,
            resonance_scalars=resonance[0],
            resonance_counters=resonance[1],
            resonance_sequences=resonance[2],
            resonance_prototypes=resonance[3],
            level_shift=self._level_shift.state(),
        )
        return msgspec.msgpack.encode(state)

    @classmethod
    def from_state(cls, data: bytes) -> AnomalyScorer:
        """A detector that continues exactly where the one that wrote ``data`` stopped."""
        state = msgspec.msgpack.decode(data, type=_State)
        if state.version != STATE_VERSION:
            raise ValueError(f"unsupported AnomalyScorer state version {state.version}")
        scorer = cls(state.probation, _params_from_state(state.params))
        scorer._n = state.n
        for name, value in zip(cls._SCALARS, state.scalars, strict=True):
            setattr(scorer, name, value)
        for name, count in zip(cls._COUNTERS, state.counters, strict=True):
            setattr(scorer, name, count)
        scorer._block = list(state.block)
        scorer._extremes.extend(state.extremes)
        scorer._short.extend(state.short)
        scorer._surprises.extend(state.surprises)
        scorer._recent.extend(state.recent)
        scorer._probation_values = list(state.probation_values)
        m = scorer._stored
        shape = (m, scorer._embed)
        scorer._levels[:m] = np.frombuffer(state.levels, dtype=np.float64).reshape(shape)
        scorer._shapes[:m] = np.frombuffer(state.shapes, dtype=np.float64).reshape(shape)
        if state.alarm is not None:
            a = state.alarm
            scorer._alarm = (a[0], a[1], a[2], a[3])
        scorer._alarm_recent = state.alarm_recent
        if state.level_shift:
            scorer._level_shift.restore(state.level_shift)
        scorer._resonance.restore(
            state.resonance_scalars,
            state.resonance_counters,
            state.resonance_sequences,
            state.resonance_prototypes,
        )
        return scorer


def _params_from_state(values: list[float]) -> ScorerParams:
    """ScorerParams from a state; one written before ``range_share`` existed takes its default."""
    if len(values) == len(fields(ScorerParams)) - 1:
        values = [*values[:5], RANGE_SHARE, *values[5:]]
    if len(values) != len(fields(ScorerParams)):
        raise ValueError(f"AnomalyScorer state with {len(values)} parameters")
    bs, cb, ls, rs, rt, rsh, res, rl, th = values
    return ScorerParams(bs, int(cb), ls, rs, rt, rsh, res, rl, th)
