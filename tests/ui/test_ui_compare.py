"""The compare page: what its plots hold (as Python objects) and how it loads in Chromium."""

from __future__ import annotations

import numpy as np
import panel as pn
import pytest

import workbench as wb
from workbench.ui._plots import MAX_POINTS, downsample
from workbench.ui.pages.compare import CompareView


def test_downsample_keeps_the_ends_and_the_envelope():
    steps = np.arange(20_000)
    values = np.sin(steps / 300.0)
    values[7_777], values[12_345], values[5] = 9.0, -9.0, np.nan
    kept_steps, kept_values = downsample(steps, values, 1_000)
    assert len(kept_steps) <= 1_000
    assert kept_steps[0] == 0 and kept_steps[-1] == 19_999
    assert np.all(np.diff(kept_steps) > 0)  # still in step order
    assert np.nanmax(kept_values) == 9.0 and np.nanmin(kept_values) == -9.0
    assert {7_777, 12_345} <= set(kept_steps.tolist())


def _track(name: str, lr: float, loss: np.ndarray, auc: float | None) -> str:
    with wb.start_run(name=name) as run:
        run.log_params({"lr": lr})
        for step, value in enumerate(loss):
            run.log_metric("loss", float(value), step=step)
        if auc is not None:
            run.log_metric("auc", auc, step=0)
            run.log_metric("auc", auc + 0.01, step=1)
        return run.id


def _histories(view: CompareView) -> list:
    (column,) = [o for o in view._body.objects if "wb-histories" in (o.css_classes or [])]
    return [pane.object for pane in column.objects]


@pytest.fixture
def three_runs(sqlite_project):
    wb.set_experiment("compare")
    rng = np.random.default_rng(0)
    losses = [np.exp(-np.arange(6_000) / (400.0 * (i + 1))) + rng.normal(0, 0.01, 6_000)
              for i in range(3)]  # fmt: skip
    losses[1][4_321] = 5.0  # a spike the downsampled line must still show
    ids = [_track(f"run {i}", 0.1 * (i + 1), loss, 0.8 if i < 2 else None)
           for i, loss in enumerate(losses)]  # fmt: skip
    return ids, losses


def test_histories_overlay_every_run_on_one_linked_step_axis(three_runs):
    ids, losses = three_runs
    view = CompareView(run_ids=ids)
    auc, loss = _histories(view)  # one figure per metric, sorted by name
    assert (auc.title.text, loss.title.text) == ("auc", "loss")
    assert loss.x_range is auc.x_range  # zooming one history zooms the others
    labels = [item.label.value for item in loss.legend[0].items]
    assert labels == [f"run {i} ({run_id[:6]})" for i, run_id in enumerate(ids)]
    assert [item.label.value for item in auc.legend[0].items] == labels[:2]  # run 2 has none
    lines = [r.data_source.data for r in loss.renderers]
    for data, series in zip(lines, losses, strict=True):
        # 3 × 6,000 points are reduced to the plot's budget, keeping each line's envelope
        assert len(data["value"]) <= MAX_POINTS // 3
        assert data["value"].max() == series.max() and data["value"].min() == series.min()
        assert data["step"][0] == 0 and data["step"][-1] == 5_999
    assert lines[1]["value"].max() == 5.0


def test_params_differences_and_scalar_bars_are_shown(three_runs):
    ids, _ = three_runs
    view = CompareView(run_ids=ids)
    text = "".join(str(o.object) for o in view._body.objects if isinstance(o, pn.pane.HTML))
    assert "3 runs" in text
    assert '<tr class="wb-differs"><th>params.lr</th>' in text
    assert "<caption>loss</caption>" in text


def test_compare_page_draws_without_the_mathjax_bundle(ui_page, ui_store):
    runs = wb.runs(experiment="breast-cancer", filter="tags.owner = 'demo'")
    ids = ",".join(runs["run_id"])
    tab = ui_page.open(f"/compare?runs={ids}", ready=".wb-histories canvas")
    scripts = tab.evaluate("[...document.scripts].map(s => s.src).filter(Boolean)")
    assert any("bokeh.min.js" in src for src in scripts), scripts
    assert not any("mathjax" in src for src in scripts), scripts  # 1.8 MB nobody uses
    assert ui_page.errors == [], ui_page.errors
