"""Study plots: what each plot shows, how it stays small on large studies, and edge cases."""

from __future__ import annotations

import math
import time

import holoviews as hv
import numpy as np
import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.importance import BaseImportanceEvaluator
from optuna.trial import TrialState, create_trial

from workbench.tuning.plots import (
    MAX_GLYPHS,
    StudyPlots,
    history_plot,
    importance_frame,
    intermediate_frame,
    trials_frame,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = {
    "lr": FloatDistribution(1e-4, 1.0, log=True),
    "x": FloatDistribution(-5.0, 5.0),
    "layers": IntDistribution(1, 8),
    "batch": IntDistribution(16, 1024, log=True),
    "optimizer": CategoricalDistribution(["sgd", "adam", "rmsprop"]),
}


def random_params(rng: np.random.Generator) -> dict:
    return {
        "lr": float(10 ** rng.uniform(-4, 0)),
        "x": float(rng.uniform(-5, 5)),
        "layers": int(rng.integers(1, 9)),
        "batch": int(rng.integers(16, 1025)),
        "optimizer": str(rng.choice(["sgd", "adam", "rmsprop"])),
    }


def loss(params: dict, rng: np.random.Generator) -> float:
    """Driven by x, a little by lr, not at all by the rest."""
    return params["x"] ** 2 + 0.5 * math.log10(params["lr"]) + 0.1 * rng.normal()


def build_study(n_trials: int, *, seed: int = 0, direction: str = "minimize") -> optuna.Study:
    """A study of ``n_trials`` in every state, added in memory rather than optimized."""
    rng = np.random.default_rng(seed)
    trials = []
    for _ in range(n_trials):
        params = random_params(rng)
        value = loss(params, rng)
        curve = {step: value + 4 / (step + 1) for step in range(10)}
        kind = rng.random()
        if kind < 0.85:
            trial = create_trial(
                params=params, distributions=SPACE, value=value, intermediate_values=curve
            )
        elif kind < 0.95:
            first_steps = {s: v for s, v in curve.items() if s < 4}
            trial = create_trial(
                params=params,
                distributions=SPACE,
                state=TrialState.PRUNED,
                intermediate_values=first_steps,
            )
        elif kind < 0.99:
            trial = create_trial(params=params, distributions=SPACE, state=TrialState.FAIL)
        else:
            trial = create_trial(params=params, distributions=SPACE, state=TrialState.RUNNING)
        trials.append(trial)
    study = optuna.create_study(direction=direction)
    study.add_trials(trials)
    return study


def study_of_values(values: list[float], direction: str = "minimize") -> optuna.Study:
    space = {"x": FloatDistribution(0.0, 1.0)}
    study = optuna.create_study(direction=direction)
    study.add_trials(
        [
            create_trial(params={"x": i / len(values)}, distributions=space, value=v)
            for i, v in enumerate(values)
        ]
    )
    return study


@pytest.fixture(scope="module")
def large_study() -> optuna.Study:
    return build_study(10_000)


@pytest.fixture(scope="module")
def small_study() -> optuna.Study:
    return build_study(300, seed=1)


@pytest.fixture(scope="module")
def bokeh():
    hv.extension("bokeh")


def title_of(obj) -> str:
    return hv.Store.lookup_options("bokeh", obj, "plot").kwargs.get("title", "")


def complete_values(study: optuna.Study) -> tuple[np.ndarray, np.ndarray]:
    done = study.get_trials(states=(TrialState.COMPLETE,))
    return np.array([t.number for t in done]), np.array([t.value for t in done])


def elements(obj) -> list:
    return obj.traverse(lambda element: element, [hv.Element])


# --- the tidy frame ------------------------------------------------------------------------


def test_trials_frame_has_values_only_for_complete_trials_and_nan_for_absent_params():
    space = {"kind": CategoricalDistribution(["tree", "linear"]), "depth": IntDistribution(1, 9)}
    linear = {"kind": CategoricalDistribution(["tree", "linear"])}
    study = optuna.create_study()
    study.add_trials(
        [
            create_trial(params={"kind": "tree", "depth": 3}, distributions=space, value=1.0),
            create_trial(params={"kind": "linear"}, distributions=linear, value=2.0),
            create_trial(
                params={"kind": "tree", "depth": 5},
                distributions=space,
                state=TrialState.PRUNED,
                intermediate_values={0: 9.0},
            ),
            create_trial(params={"kind": "linear"}, distributions=linear, state=TrialState.FAIL),
        ]
    )
    frame = trials_frame(study)
    assert list(frame.columns) == ["number", "state", "value", "params_depth", "params_kind"]
    assert list(frame["state"]) == ["COMPLETE", "COMPLETE", "PRUNED", "FAIL"]
    # The pruned trial carries its last intermediate value in Optuna; it is not an objective.
    np.testing.assert_array_equal(frame["value"], [1.0, 2.0, np.nan, np.nan])
    np.testing.assert_array_equal(frame["params_depth"], [3.0, np.nan, 5.0, np.nan])
    assert list(frame["params_kind"].cat.categories) == ["tree", "linear"]


# --- history -------------------------------------------------------------------------------


def best_line_at(curve: hv.Curve, numbers: np.ndarray) -> np.ndarray:
    """Evaluate a steps-post line at trial numbers: the last vertex at or before each."""
    xs = curve.dimension_values(0)
    ys = curve.dimension_values(1)
    return ys[np.searchsorted(xs, numbers, side="right") - 1]


@pytest.mark.parametrize(
    ("direction", "accumulate"),
    [
        ("minimize", np.minimum.accumulate),
        ("maximize", np.maximum.accumulate),
    ],
)
def test_history_best_so_far_is_the_cumulative_best(direction, accumulate):
    study = build_study(300, seed=2, direction=direction)
    history = StudyPlots(study).history()
    points, line = elements(history)
    numbers, values = complete_values(study)
    np.testing.assert_array_equal(points.dimension_values("number"), numbers)
    np.testing.assert_array_equal(points.dimension_values("value"), values)
    np.testing.assert_array_equal(best_line_at(line, numbers), accumulate(values))
    assert line.dimension_values(0)[-1] == numbers[-1]  # the line reaches the last trial


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40), st.booleans())
def test_history_best_so_far_holds_for_any_values(values, maximize):
    direction = "maximize" if maximize else "minimize"
    _, line = elements(StudyPlots(study_of_values(values, direction)).history())
    best = np.maximum.accumulate(values) if maximize else np.minimum.accumulate(values)
    np.testing.assert_array_equal(best_line_at(line, np.arange(len(values))), best)


def test_history_of_a_large_study_keeps_every_improvement_within_the_glyph_budget(large_study):
    history = StudyPlots(large_study).history()
    points, line = elements(history)
    numbers, values = complete_values(large_study)
    assert len(points) <= MAX_GLYPHS and len(line) <= MAX_GLYPHS
    improvements = numbers[np.r_[True, np.diff(np.minimum.accumulate(values)) != 0]]
    assert set(improvements) <= set(points.dimension_values("number"))
    assert large_study.best_trial.number in points.dimension_values("number")
    np.testing.assert_array_equal(best_line_at(line, numbers), np.minimum.accumulate(values))
    assert f"of {len(numbers):,} trials" in title_of(history)


def test_history_skips_infinite_values():
    history = StudyPlots(study_of_values([3.0, math.inf, 1.0, 2.0])).history()
    points, line = elements(history)
    np.testing.assert_array_equal(points.dimension_values("value"), [3.0, 1.0, 2.0])
    np.testing.assert_array_equal(line.dimension_values("value"), [3.0, 1.0, 1.0])


def test_plot_functions_name_a_bad_direction():
    frame = trials_frame(study_of_values([1.0, 2.0]))
    with pytest.raises(ValueError, match="direction must be 'minimize' or 'maximize', got 'max'"):
        history_plot(frame, direction="max")


def test_multi_objective_history_needs_a_valid_target():
    study = optuna.create_study(directions=["minimize", "maximize"])
    space = {"x": FloatDistribution(0, 1)}
    study.add_trials(
        [
            create_trial(params={"x": 0.5}, distributions=space, values=[v, -v])
            for v in (3.0, 1.0, 2.0)
        ]
    )
    plots = StudyPlots(study)
    with pytest.raises(ValueError, match=r"2 objectives .*target=0\.\.1"):
        plots.history()
    with pytest.raises(ValueError, match=r"target must be an objective index in 0\.\.1, got 2"):
        plots.history(target=2)
    _, line = elements(plots.history(target=1))
    np.testing.assert_array_equal(line.dimension_values("value"), [-3.0, -1.0, -1.0])
    assert len(plots.all()) == 2  # one history per objective


# --- importances ---------------------------------------------------------------------------


def test_importances_cover_every_parameter_sum_to_one_and_rank_the_driver_first(small_study):
    bars = StudyPlots(small_study).importances()
    importances = dict(
        zip(bars.dimension_values("param"), bars.dimension_values("importance"), strict=True)
    )
    assert set(importances) == set(SPACE)
    assert sum(importances.values()) == pytest.approx(1.0)
    assert max(importances, key=importances.get) == "x"
    assert "fANOVA on" in title_of(bars)


class CountingEvaluator(BaseImportanceEvaluator):
    """Records how many trials an evaluator would fit on, and calls every parameter equal."""

    def evaluate(self, study, params=None, *, target=None):
        done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        self.fitted = sum(math.isfinite(target(t)) for t in done)
        return {name: 1 / len(params) for name in params}


def test_importances_of_a_large_study_fit_a_sample_of_2000_trials(large_study):
    evaluator = CountingEvaluator()
    frame = importance_frame(large_study, evaluator=evaluator)
    n_complete = len(complete_values(large_study)[0])
    assert evaluator.fitted == 2_000
    assert frame.attrs["fitted_trials"] == 2_000
    assert frame.attrs["complete_trials"] == n_complete
    bars = StudyPlots(large_study).importances()
    assert f"fANOVA on 2,000 of {n_complete:,} trials" in title_of(bars)


def test_importances_leave_out_conditional_params_and_say_so():
    rng = np.random.default_rng(0)
    study = optuna.create_study()
    for i in range(40):
        params = {"x": float(rng.uniform(-1, 1))}
        space = {"x": FloatDistribution(-1, 1)}
        if i % 2:
            params["depth"], space["depth"] = int(rng.integers(1, 5)), IntDistribution(1, 5)
        study.add_trial(create_trial(params=params, distributions=space, value=params["x"] ** 2))
    bars = StudyPlots(study).importances()
    assert list(bars.dimension_values("param")) == ["x"]
    assert "not in every trial: depth" in title_of(bars)


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ([], "needs 2 complete trials, the study has 0"),
        ([1.0], "needs 2 complete trials, the study has 1"),
        ([1.0, 1.0, 1.0], "every complete trial has the same objective value"),
    ],
)
def test_importances_without_enough_information_are_empty_with_the_reason(bokeh, values, reason):
    bars = StudyPlots(study_of_values(values)).importances()
    assert len(bars) == 0
    assert reason in title_of(bars)
    hv.render(bars, backend="bokeh")


# --- parallel coordinates ------------------------------------------------------------------


def test_parallel_coordinates_of_a_large_study_stay_in_budget_and_keep_the_best(large_study):
    plot = StudyPlots(large_study).parallel_coordinates()
    segments = plot.Segments.I
    trials_shown = set(segments.dimension_values("number"))
    assert len(segments) <= MAX_GLYPHS
    assert large_study.best_trial.number in trials_shown
    # Each shown trial is one line: a segment between each pair of the 6 neighbouring axes.
    assert len(segments) == 5 * len(trials_shown)
    positions = np.r_[segments.dimension_values(1), segments.dimension_values(3)]
    assert np.nanmin(positions) >= 0.0 and np.nanmax(positions) <= 1.0
    assert f"random of {len(complete_values(large_study)[0]):,} trials" in title_of(plot)


def test_parallel_coordinates_scale_log_params_and_place_categories_in_choice_order():
    space = {
        "lr": FloatDistribution(1e-4, 1, log=True),
        "opt": CategoricalDistribution(["a", "b", "c"]),
    }
    study = optuna.create_study()
    for lr, opt, value in [(1e-4, "c", 3.0), (1e-2, "a", 1.0), (1.0, "b", 2.0)]:
        study.add_trial(
            create_trial(params={"lr": lr, "opt": opt}, distributions=space, value=value)
        )
    segments = StudyPlots(study).parallel_coordinates().Segments.I.dframe()
    lines = segments.pivot(index="number", columns="axis_from", values="position_from")
    np.testing.assert_allclose(lines[0.0], [0.0, 0.5, 1.0])  # lr: 1e-4, 1e-2, 1 on a log axis
    np.testing.assert_allclose(lines[1.0], [1.0, 0.0, 0.5])  # opt: c, a, b of choices a, b, c
    objective = segments[segments["axis_from"] == 1.0].set_index("number")["position_to"]
    np.testing.assert_allclose(objective.sort_index(), [1.0, 0.0, 0.5])


# --- slice ---------------------------------------------------------------------------------


def test_slice_plots_the_objective_against_each_parameter(small_study):
    plots = StudyPlots(small_study)
    layout = plots.slice()
    assert [s.kdims[0].label for s in layout] == sorted(SPACE)
    lr = plots.slice("lr")
    done = small_study.get_trials(states=(TrialState.COMPLETE,))
    np.testing.assert_array_equal(lr.dimension_values(0), [t.params["lr"] for t in done])
    np.testing.assert_array_equal(lr.dimension_values("value"), [t.value for t in done])
    assert hv.Store.lookup_options("bokeh", lr, "plot").kwargs["logx"] is True
    assert hv.Store.lookup_options("bokeh", plots.slice("x"), "plot").kwargs["logx"] is False
    assert plots.slice("optimizer").kdims[0].values == ["sgd", "adam", "rmsprop"]
    with pytest.raises(ValueError, match=r"param must be one of .* got 'momentum'"):
        plots.slice("momentum")


def test_slice_of_a_large_study_samples_each_parameter_within_budget(large_study):
    for scatter in StudyPlots(large_study).slice():
        assert len(scatter) <= MAX_GLYPHS
        assert large_study.best_trial.number in scatter.dimension_values("number")
        assert "of" in title_of(scatter)


# --- intermediate values -------------------------------------------------------------------


def test_intermediate_values_draw_pruned_trials_apart_within_budget(large_study):
    plot = StudyPlots(large_study).intermediate()
    curves = {c.label: c for c in plot if isinstance(c, hv.Curve)}
    assert {"complete", "pruned"} <= set(curves)
    styles = {k: hv.Store.lookup_options("bokeh", c, "style").kwargs for k, c in curves.items()}
    assert styles["pruned"]["line_dash"] == "dashed" != styles["complete"]["line_dash"]
    assert sum(len(e) for e in elements(plot)) <= MAX_GLYPHS
    shown = set(np.concatenate([c.dimension_values("number") for c in curves.values()]))
    assert large_study.best_trial.number in shown
    stops = plot.Scatter.I
    assert set(stops.dimension_values("step")) == {3}  # pruned trials stopped after step 3


def test_intermediate_values_of_long_trials_are_thinned_keeping_first_and_last_step():
    space = {"x": FloatDistribution(0, 1)}
    study = optuna.create_study()
    curve = {step: 1 / (step + 1) for step in range(20_000)}
    study.add_trials(
        [
            create_trial(
                params={"x": 0.5}, distributions=space, value=1.0, intermediate_values=curve
            )
            for _ in range(3)
        ]
    )
    curve_element = StudyPlots(study).intermediate().Curve.Complete
    steps = curve_element.dimension_values("step")
    assert len(steps) <= MAX_GLYPHS
    assert {0.0, 19_999.0} <= set(steps[~np.isnan(steps)])
    assert len(intermediate_frame(study)) == 60_000


# --- edge cases, rendering and size --------------------------------------------------------


def test_a_study_without_complete_trials_gives_empty_plots_with_reasons(bokeh):
    space = {"x": FloatDistribution(0, 1)}
    study = optuna.create_study()
    study.add_trials(
        [
            create_trial(params={"x": 0.1}, distributions=space, state=TrialState.FAIL),
            create_trial(params={"x": 0.2}, distributions=space, state=TrialState.RUNNING),
        ]
    )
    plots = StudyPlots(study)
    assert "no complete trials yet" in title_of(plots.history())
    assert "needs 2 complete trials" in title_of(plots.importances())
    assert "no complete trials yet" in title_of(plots.parallel_coordinates())
    assert "no complete trials yet" in title_of(plots.slice("x"))
    assert "no trial reported any" in title_of(plots.intermediate())
    layout = plots.all()
    assert len(layout) == 1  # only the history, saying why it is empty
    hv.render(layout, backend="bokeh")


def test_all_shows_only_the_plots_that_make_sense():
    no_params = optuna.create_study()
    no_params.add_trials([create_trial(value=v) for v in (2.0, 1.0, 3.0)])
    assert [type(e).__name__ for e in StudyPlots(no_params).all()] == ["Overlay"]


def conditional_study() -> optuna.Study:
    study = optuna.create_study(direction="maximize")
    for i in range(30):
        params = {"model": ["tree", "linear"][i % 2]}
        space = {"model": CategoricalDistribution(["tree", "linear"])}
        if params["model"] == "tree":
            params["depth"], space["depth"] = i % 7 + 1, IntDistribution(1, 8)
        else:
            params["C"], space["C"] = 10.0 ** (i % 5 - 2), FloatDistribution(1e-3, 100, log=True)
        state = TrialState.PRUNED if i % 6 == 5 else TrialState.COMPLETE
        study.add_trial(
            create_trial(
                params=params,
                distributions=space,
                state=state,
                value=float(i % 9) if state == TrialState.COMPLETE else None,
                intermediate_values={s: s * 0.1 * (i % 9) for s in range(5)},
            )
        )
    return study


@pytest.mark.parametrize(
    "make_study",
    [
        lambda: build_study(400, seed=3),
        conditional_study,
        lambda: study_of_values([2.0, 1.0]),
    ],
)
def test_every_plot_renders_to_bokeh(bokeh, make_study):
    layout = StudyPlots(make_study()).all()
    assert {"Bars", "Overlay", "Scatter"} <= {type(e).__name__ for e in layout}
    hv.render(layout, backend="bokeh")


def test_build_times_of_a_10000_trial_study(bokeh, large_study):
    """Prints build and render times (run with ``-s``); the glyph budget is asserted."""
    plots = StudyPlots(large_study)
    StudyPlots(build_study(50)).importances()  # first imports (sklearn) are not the plot's cost
    print(f"\n{len(large_study.trials):,} trials, {len(SPACE)} parameters")
    for name in ("history", "importances", "parallel_coordinates", "slice", "intermediate", "all"):
        start = time.perf_counter()
        obj = getattr(plots, name)()
        built = time.perf_counter() - start
        hv.render(obj, backend="bokeh")
        rendered = time.perf_counter() - start - built
        print(f"  {name:<22} build {built:5.2f} s   render to bokeh {rendered:5.2f} s")
        assert all(len(element) <= MAX_GLYPHS for element in elements(obj))
