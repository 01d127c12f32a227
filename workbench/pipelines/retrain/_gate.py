"""The evaluation gate of ``retrain``: when a retrained model may replace the champion.

The gate lives in ``params.yaml`` under the key ``gate`` (the exporter writes a default
there and in ``manifest.json``, so an installed package has one too)::

    gate:
      alias: champion              # the alias a passing model is promoted to
      thresholds:                  # bounds the new model's metrics must meet
        roc_auc: {min: 0.95}
        log_loss: {max: 0.2}
      compare_to_champion:         # and how much worse than the champion it may be
        metric: roc_auc
        max_regression: 0.01       # in the metric's units
        direction: maximize        # optional: guessed from the name (rmse, loss → minimize)

Every check is kept with its numbers, so a refusal says which check failed and by how much.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

GATE_KEY = "gate"
_LOWER_IS_BETTER = frozenset(
    {"rmse", "mse", "mae", "mape", "loss", "logloss", "error", "brier", "deviance", "rmsle"}
)


class GateConfigError(ValueError):
    """The ``gate`` section of params.yaml is malformed; the message names the key."""


def lower_is_better(metric: str) -> bool:
    """``rmse``, ``test_log_loss``, ``error_rate``: a word of the name is an error measure."""
    return any(word in _LOWER_IS_BETTER for word in re.split(r"[_\W]+", metric.lower()))


@dataclass(frozen=True)
class Bound:
    """``min <= metric <= max`` (either side may be open)."""

    metric: str
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class ChampionRule:
    """The new model's ``metric`` may be worse than the champion's by ``max_regression``."""

    metric: str
    max_regression: float = 0.0
    maximize: bool = True


@dataclass(frozen=True)
class Gate:
    """A parsed gate: the alias to promote to, the bounds, the champion comparison."""

    alias: str = "champion"
    thresholds: tuple[Bound, ...] = ()
    champion: ChampionRule | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, where: str = "params.yaml") -> Gate:
        """Parse the ``gate`` section; a bad key or value is a :class:`GateConfigError`."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise GateConfigError(f"`gate` in {where} must be a mapping, got {data!r}")
        unknown = set(data) - {"alias", "thresholds", "compare_to_champion"}
        if unknown:
            raise GateConfigError(
                f"unknown key(s) {sorted(unknown)} under `gate` in {where}; the keys are "
                "alias, thresholds, compare_to_champion"
            )
        alias = data.get("alias", "champion")
        if not isinstance(alias, str) or not alias:
            raise GateConfigError(f"`gate.alias` in {where} must be a name, got {alias!r}")
        bounds = []
        thresholds = data.get("thresholds") or {}
        if not isinstance(thresholds, Mapping):
            raise GateConfigError(
                f"`gate.thresholds` in {where} maps metric names to {{min: .., max: ..}}, "
                f"got {thresholds!r}"
            )
        for metric, limits in thresholds.items():
            if not isinstance(limits, Mapping) or not set(limits) <= {"min", "max"} or not limits:
                raise GateConfigError(
                    f"`gate.thresholds.{metric}` in {where} must be like {{min: 0.9}} or "
                    f"{{max: 0.2}}, got {limits!r}"
                )
            bounds.append(
                Bound(
                    str(metric),
                    _number(limits.get("min"), f"gate.thresholds.{metric}.min", where),
                    _number(limits.get("max"), f"gate.thresholds.{metric}.max", where),
                )
            )
        return cls(alias, tuple(bounds), _champion_rule(data.get("compare_to_champion"), where))

    def to_dict(self) -> dict[str, Any]:
        thresholds = {
            b.metric: {k: v for k, v in (("min", b.min), ("max", b.max)) if v is not None}
            for b in self.thresholds
        }
        data: dict[str, Any] = {"alias": self.alias, "thresholds": thresholds}
        if self.champion is not None:
            data["compare_to_champion"] = {
                "metric": self.champion.metric,
                "max_regression": self.champion.max_regression,
                "direction": "maximize" if self.champion.maximize else "minimize",
            }
        return data

    def metrics(self) -> set[str]:
        """The metrics the gate reads."""
        names = {b.metric for b in self.thresholds}
        if self.champion is not None:
            names.add(self.champion.metric)
        return names


def _number(value: Any, key: str, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise GateConfigError(f"`{key}` in {where} must be a number, got {value!r}")
    return float(value)


def _champion_rule(data: Any, where: str) -> ChampionRule | None:
    if data is None:
        return None
    if not isinstance(data, Mapping) or "metric" not in data:
        raise GateConfigError(
            f"`gate.compare_to_champion` in {where} needs `metric` (and optionally "
            f"`max_regression`, `direction`), got {data!r}"
        )
    unknown = set(data) - {"metric", "max_regression", "direction"}
    if unknown:
        raise GateConfigError(
            f"unknown key(s) {sorted(unknown)} under `gate.compare_to_champion` in {where}"
        )
    metric = str(data["metric"])
    regression = _number(data.get("max_regression", 0.0), "max_regression", where) or 0.0
    if regression < 0:
        raise GateConfigError(f"`gate.compare_to_champion.max_regression` must be >= 0 in {where}")
    direction = data.get("direction")
    if direction not in (None, "maximize", "minimize"):
        raise GateConfigError(
            f"`gate.compare_to_champion.direction` in {where} is maximize or minimize, "
            f"got {direction!r}"
        )
    maximize = not lower_is_better(metric) if direction is None else direction == "maximize"
    return ChampionRule(metric, regression, maximize)


@dataclass(frozen=True)
class Check:
    """One check of the gate and its outcome, with the numbers that decided it."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class GateOutcome:
    """All checks; ``passed`` when every one passed."""

    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]


def apply_gate(
    gate: Gate,
    metrics: Mapping[str, float],
    champion_metrics: Mapping[str, float] | None,
    champion_label: str = "the champion",
) -> GateOutcome:
    """Check ``metrics`` against the gate; ``champion_metrics`` is None without a champion."""
    checks = []
    for bound in gate.thresholds:
        value = metrics.get(bound.metric)
        name = f"{bound.metric} bounds"
        if value is None or math.isnan(value):
            checks.append(Check(name, False, f"the run produced no metric {bound.metric!r}"))
            continue
        low = bound.min is None or value >= bound.min
        high = bound.max is None or value <= bound.max
        limits = " and ".join(
            f"{sign} {limit:g}"
            for sign, limit in ((">=", bound.min), ("<=", bound.max))
            if limit is not None
        )
        checks.append(Check(name, low and high, f"{bound.metric} = {value:.6g} (must be {limits})"))
    rule = gate.champion
    if rule is not None:
        name = f"{rule.metric} vs {champion_label}"
        value = metrics.get(rule.metric)
        if champion_metrics is None:
            checks.append(Check(name, True, f"no {gate.alias!r} yet: nothing to compare with"))
        elif value is None or math.isnan(value):
            checks.append(Check(name, False, f"the run produced no metric {rule.metric!r}"))
        elif rule.metric not in champion_metrics:
            checks.append(
                Check(name, False, f"{champion_label} has no metric {rule.metric!r} to compare")
            )
        else:
            reference = champion_metrics[rule.metric]
            worse_by = (reference - value) if rule.maximize else (value - reference)
            better = "higher" if rule.maximize else "lower"
            detail = (
                f"{rule.metric} = {value:.6g} vs {reference:.6g} for {champion_label} "
                f"({better} is better; worse by {max(worse_by, 0.0):.4g}, "
                f"allowed {rule.max_regression:g})"
            )
            checks.append(Check(name, worse_by <= rule.max_regression + 1e-12, detail))
    return GateOutcome(tuple(checks))


def default_gate(metrics: list[str]) -> Gate:
    """What the exporter writes: compare the first metric with the champion, allowing 0.01."""
    if not metrics:
        return Gate()
    return Gate(champion=ChampionRule(metrics[0], 0.01, not lower_is_better(metrics[0])))
