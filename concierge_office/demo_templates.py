# SPDX-License-Identifier: Apache-2.0
"""Checklist templates for each asset kind (used by the demo fleet and bulk seeding)."""

from __future__ import annotations

from typing import Any

from concierge.domain import METRIC_CATALOGUE, AssetKind, StepType, metric_spec
from concierge.i18n import N_  # the app shows these steps translated (its catalogue)


def _step(
    key: str, title: str, type_: StepType, *, required: bool = True, **extra: Any
) -> dict[str, Any]:
    return {"key": key, "title": title, "type": type_.value, "required": required, **extra}


def _measure(
    kind: AssetKind, metric: str, title: str, *, only_if_insight: bool = False
) -> dict[str, Any]:
    spec = metric_spec(kind, metric)
    return _step(
        f"measure-{metric}",
        title,
        StepType.MEASUREMENT,
        unit=spec.unit,
        target_low=spec.normal_low,
        target_high=spec.normal_high,
        metric=metric,
        instructions=f"Measure and enter {spec.label.lower()} ({spec.unit or 'ratio'}); "
        f"normal is {spec.normal_low:g} to {spec.normal_high:g}.",
        when_metrics=[metric] if only_if_insight else [],
    )


_CHECK, _CHOICE, _PHOTO, _NOTE = StepType.CHECK, StepType.CHOICE, StepType.PHOTO, StepType.NOTE
_E, _G, _H = AssetKind.ELEVATOR, AssetKind.CABLE_GATEWAY, AssetKind.HEAT_PUMP

_STEPS: dict[AssetKind, list[dict[str, Any]]] = {
    _E: [
        _step("lockout", N_("Lock out the car and post the notice"), _CHECK),
        _measure(_E, "door_cycle_time", N_("Door cycle time (average of 5 cycles)")),
        _measure(_E, "motor_temp", N_("Motor temperature after 10 runs"),
                 only_if_insight=True),
        _measure(_E, "vibration", N_("Car vibration at full speed"), only_if_insight=True),
        _step(
            "door-rollers", N_("Door rollers and tracks"), _CHOICE,
            choices=[N_("good"), N_("worn"), N_("replaced")],
        ),
        _step("door-sensors", N_("Clean and test the door sensors"), _CHECK),
        _step("photo-operator", N_("Photo of the door operator"), _PHOTO,
              required=False),
        _step(
            "ride-comfort",
            N_("Ride comfort remarks"),
            _NOTE,
            required=False,
            when_tags=["comfort", "noise"],
        ),
    ],
    _G: [
        _measure(_G, "snr", N_("Downstream SNR at the gateway")),
        _measure(_G, "latency", N_("Latency to the head end"), only_if_insight=True),
        _step("connectors", N_("Coax connectors tightened and dry"), _CHECK),
        _step(
            "splitter", N_("Splitter in the line"), _CHOICE,
            choices=[N_("none"), N_("2-way"), N_("3-way or more")],
        ),
        _measure(_G, "throughput", N_("Speed test on a wired client")),
        _step("photo-wiring", N_("Photo of the wall outlet and wiring"), _PHOTO,
              required=False),
        _step(
            "wifi-wishes",
            N_("Wi-Fi coverage wishes"),
            _NOTE,
            required=False,
            when_tags=["speed", "reliability"],
        ),
    ],
    _H: [
        _measure(_H, "supply_temp", N_("Supply temperature at the outdoor unit")),
        _measure(
            _H, "cop", N_("Coefficient of performance (from the controller)"),
            only_if_insight=True,
        ),
        _step(
            "coil", N_("Outdoor coil condition"), _CHOICE,
            choices=[N_("clean"), N_("dirty"), N_("iced"), N_("damaged")],
        ),
        _step("filters", N_("Clean the water filter and check pressure"), _CHECK),
        _step("defrost", N_("Defrost cycle observed"), _CHECK,
              when_metrics=["defrost_cycles"]),
        _step("photo-unit", N_("Photo of the outdoor unit"), _PHOTO, required=False),
        _step(
            "comfort",
            N_("Heating comfort remarks"),
            _NOTE,
            required=False,
            when_tags=["comfort", "noise", "cost"],
        ),
    ],
}

_NAMES = {
    _E: "Elevator proactive service",
    _G: "Cable gateway line check",
    _H: "Heat pump efficiency service",
}


def template_rows(updated_at: float) -> list[dict[str, Any]]:
    """One checklist template row per asset kind."""
    assert set(_STEPS) == set(METRIC_CATALOGUE)
    return [
        {
            "id": f"tpl-{kind.value}",
            "asset_kind": kind.value,
            "name": _NAMES[kind],
            "steps": steps,
            "version": 1,
            "updated_at": updated_at,
        }
        for kind, steps in _STEPS.items()
    ]
