"""AnomalyScorer on synthetic series: detection delay, false alarms, determinism, state."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest

from concierge.insights.level_shift import LevelShift
from concierge.insights.resonance import MAX_PROTOTYPES, ShapeResonance
from concierge.insights.scorer import (
    ALARM_THRESHOLD,
    RANGE_SHARE,
    REST_SHARE,
    AnomalyExplanation,
    AnomalyScorer,
)
from concierge.insights.series import FloatArray

PROBATION = 600
N = 3000
ONSET = 2000
STEP = 300.0  # seconds between points


def base(seed: int) -> FloatArray:
    """A daily-ish cycle (period 288 points) with Gaussian noise."""
    rng = np.random.default_rng(seed)
    i = np.arange(N)
    return 10.0 + 3.0 * np.sin(2 * np.pi * i / 288.0) + rng.normal(0.0, 0.3, N)


def run(values: FloatArray, scorer: AnomalyScorer | None = None) -> FloatArray:
    scorer = scorer or AnomalyScorer(PROBATION)
    return np.array([scorer.score(k * STEP, float(x)) for k, x in enumerate(values.tolist())])


def first_alarm_after(scores: FloatArray, start: int) -> int | None:
    hits = np.flatnonzero(scores[start:] >= ALARM_THRESHOLD)
    return int(hits[0]) if hits.size else None


def step(v: FloatArray) -> FloatArray:
    v = v.copy()
    v[ONSET:] += 4.0
    return v


def drift(v: FloatArray) -> FloatArray:
    v = v.copy()
    v[ONSET:] += 0.02 * np.arange(N - ONSET)  # +1.2 (4 noise sigmas) after 60 points
    return v


def variance(v: FloatArray) -> FloatArray:
    v = v.copy()
    rng = np.random.default_rng(99)
    v[ONSET:] += rng.normal(0.0, 1.5, N - ONSET)  # noise x5
    return v


def frequency(v: FloatArray) -> FloatArray:
    v = v.copy()
    i = np.arange(ONSET, N)
    v[ONSET:] += 3.0 * np.sin(2 * np.pi * i / 36.0) - 3.0 * np.sin(2 * np.pi * i / 288.0)
    return v


# Points after the onset within which each kind of change must be flagged (measured
# delays, seeds 1-6: step 0, drift 63-74, variance 6, frequency 6-15).
MAX_DELAY = {step: 40, drift: 120, variance: 60, frequency: 60}


@pytest.mark.parametrize("change", [step, drift, variance, frequency])
@pytest.mark.parametrize("seed", range(1, 7))
def test_each_kind_of_change_is_flagged_within_a_bounded_delay(change, seed: int) -> None:  # type: ignore[no-untyped-def]
    scores = run(change(base(seed)))
    delay = first_alarm_after(scores, ONSET)
    assert delay is not None, f"{change.__name__} never flagged"
    assert delay <= MAX_DELAY[change], f"{change.__name__} flagged only after {delay} points"


@pytest.mark.parametrize("seed", range(5))
def test_pure_noise_rarely_alarms(seed: int) -> None:
    scores = run(base(seed))
    assert np.all(scores[:PROBATION] == 0.0)
    alarms = int(np.sum(scores >= ALARM_THRESHOLD))
    assert alarms <= 1, f"{alarms} false alarms in {N - PROBATION} noise points"


def test_alarms_are_onsets_not_runs() -> None:
    scores = run(step(base(4)))
    alarms = np.flatnonzero(scores >= ALARM_THRESHOLD)
    assert alarms.size >= 1
    assert np.all(np.diff(alarms) > 1)  # never two alarms in a row


def test_only_a_stronger_event_escapes_the_rest_after_an_alarm() -> None:
    """Within the rest after a step's alarm, a second step as large again alarms; one that
    only climbs a little further (a tenth of a noise-free cycle's spread) does not."""
    rest = round(REST_SHARE * PROBATION)
    first = step(base(3))
    weaker, stronger = first.copy(), first.copy()
    second = ONSET + rest // 2
    weaker[second:] += 0.3
    stronger[second:] += 8.0
    onset = first_alarm_after(run(first), ONSET)
    assert onset is not None and onset < rest // 4
    resting = slice(ONSET + onset + 1, ONSET + rest)
    assert not np.any(run(weaker)[resting] >= ALARM_THRESHOLD)
    assert not np.any(run(first)[resting] >= ALARM_THRESHOLD)
    again = first_alarm_after(run(stronger), ONSET + onset + 1)
    assert again is not None and ONSET + onset + 1 + again == second


def spiky(top: float) -> FloatArray:
    """Noise around 10 with regular spikes to 94-100 (a heavy tail), then one spike to ``top``."""
    rng = np.random.default_rng(3)
    v = 10.0 + rng.normal(0.0, 0.3, N)
    for k in range(40, N, 211):
        v[k] = 100.0 - k % 7
    v[ONSET] = top
    return v


def test_a_new_record_by_a_sliver_of_the_range_is_quiet_and_a_clear_one_alarms() -> None:
    """On a heavy-tailed series a new maximum 1 % of the range above the old one (3 robust
    scales) is routine; one 10 % above is an event."""
    assert not np.any(run(spiky(101.0)) >= ALARM_THRESHOLD)
    assert np.flatnonzero(run(spiky(110.0)) >= ALARM_THRESHOLD).tolist() == [ONSET]


def test_scores_are_bounded_and_deterministic() -> None:
    v = variance(base(5))
    first, second = run(v), run(v)
    assert np.all((first >= 0.0) & (first <= 1.0))
    assert np.array_equal(first, second)


@pytest.mark.parametrize("cut", [PROBATION // 2, ONSET - 7, ONSET + 13])
def test_state_round_trip_continues_bit_identically(cut: int) -> None:
    v = frequency(base(6))
    whole = run(v)
    scorer = AnomalyScorer(PROBATION)
    head = [scorer.score(k * STEP, float(x)) for k, x in enumerate(v[:cut].tolist())]
    data = scorer.to_state()
    assert isinstance(data, bytes)
    restored = AnomalyScorer.from_state(data)
    tail = [restored.score((cut + k) * STEP, float(x)) for k, x in enumerate(v[cut:].tolist())]
    assert np.array_equal(np.array(head + tail), whole)
    assert restored.to_state() != data  # the restored detector kept learning


def test_state_is_compact_and_versioned() -> None:
    scorer = AnomalyScorer(PROBATION)
    run(base(7), scorer)
    data = scorer.to_state()
    assert len(data) < 400_000
    broken = bytearray(data)
    assert broken[3] == 2  # msgpack array16 header, then the version
    broken[3] = 99
    with pytest.raises(ValueError, match="version"):
        AnomalyScorer.from_state(bytes(broken))


def test_a_state_from_before_the_level_shift_channel_still_loads() -> None:
    """States checkpointed by the office before the channel existed lack its field:
    they load, and the channel starts afresh (the other channels continue as they were)."""
    scorer = AnomalyScorer(PROBATION)
    v = base(10)
    run(v[:ONSET], scorer)
    fields = msgspec.msgpack.decode(scorer.to_state())
    older = msgspec.msgpack.encode(fields[:-1])  # without the trailing level_shift field
    restored = AnomalyScorer.from_state(older)
    assert restored.to_state() != scorer.to_state()  # the channel's memory is empty
    later = run(v[ONSET:], restored)
    assert np.all((later >= 0.0) & (later <= 1.0))


def test_a_state_from_before_the_range_share_still_loads() -> None:
    """States checkpointed before ``range_share`` existed hold eight parameters: they load
    with the shipped range share, and scoring continues."""
    scorer = AnomalyScorer(PROBATION)
    v = spiky(101.0)
    run(v[:ONSET - 100], scorer)
    fields = msgspec.msgpack.decode(scorer.to_state())
    params = fields[1]
    assert params[5] == RANGE_SHARE
    fields[1] = params[:5] + params[6:]
    fields[1][1] = int(fields[1][1])  # context_blocks was written as an int
    restored = AnomalyScorer.from_state(msgspec.msgpack.encode(fields))
    assert restored.params == scorer.params
    assert restored.to_state() == scorer.to_state()


@pytest.mark.parametrize("seed", range(4))
def test_level_shift_tail_is_quiet_on_noise_and_small_after_a_shift(seed: int) -> None:
    """Block means of noise, then a shift of two noise sigmas: the tail stays above 1e-8 on
    the noise and falls below 1e-9 within 20 blocks of the shift."""
    rng = np.random.default_rng(seed)
    channel = LevelShift(16, 4, PROBATION, 300)
    means = rng.normal(0.0, 1.0, 1500)
    means[1000:] += 2.0
    tails = np.array([channel.push(float(x), 1.0) for x in means.tolist()])
    assert np.all(tails[:1000] > 1e-8)
    assert np.any(tails[1000:1020] < 1e-9)


def test_explain_names_the_channel_of_the_latest_alarm() -> None:
    scorer = AnomalyScorer(PROBATION)
    assert scorer.explain() is None
    v = base(8)
    v[ONSET] += 40.0  # a spike far beyond everything seen
    scores = run(v, scorer)
    assert scores[ONSET] == 1.0
    why = scorer.explain()
    assert isinstance(why, AnomalyExplanation)
    assert why.channel == "range"
    assert why.ratio > 10.0
    assert why.at == ONSET * STEP
    assert why.confidence == "high"


def test_explain_reports_a_variance_change_with_its_ratio() -> None:
    scorer = AnomalyScorer(PROBATION)
    run(variance(base(9)), scorer)
    why = scorer.explain()
    assert why is not None
    assert why.at >= ONSET * STEP
    assert why.onset <= why.at
    assert why.channel in ("variance", "range")
    if why.channel == "variance":
        assert why.ratio >= 2.0


def test_non_finite_values_are_skipped() -> None:
    scorer = AnomalyScorer(probation=20)
    out = [scorer.score(float(i), float(x)) for i, x in enumerate(np.sin(np.arange(200) / 5.0))]
    assert scorer.score(200.0, float("nan")) == 0.0
    assert scorer.score(201.0, float("inf")) == 0.0
    assert all(0.0 <= x <= 1.0 for x in out)


def test_resonance_keeps_a_bounded_prototype_set_and_scores_only_new_shapes() -> None:
    resonance = ShapeResonance(probation=PROBATION, block=4)
    rng = np.random.default_rng(11)
    walk = np.cumsum(rng.normal(0.0, 1.0, 6000))  # ever-new shapes
    out = np.array([resonance.push(float(x)) for x in walk.tolist()])
    assert resonance._protos.shape[0] <= MAX_PROTOTYPES
    assert np.all(out[: PROBATION + 4] == 0.0)  # nothing scored during probation
    assert np.all((out >= 0.0) & (out <= 1.0))
    assert 0 < np.count_nonzero(out) < out.size // 40  # rare events, at most one per 10 blocks
