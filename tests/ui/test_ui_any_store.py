"""Every page of the dashboard, and every ``?id=``/``?report=``/``?study=``/``?model=``/
``?name=`` view, builds on any store: hypothesis seeds small random stores (runs with and
without parents, missing/NaN/inf values, unicode names, drift reports with and without a run,
models without aliases, studies with pruned and failed trials, pipelines never run) and each
page's Panel object is built server-side, its Bokeh models included (what a browser would be
sent). One Chromium pass then opens every page of one rich store."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import panel as pn
import pytest
from bokeh.document import Document
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from projects import isolated_project

import workbench as wb
from workbench.ui.app import routes

NAMES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0x1F600), min_size=1,
    max_size=10,
).filter(lambda s: s.strip() == s and s != "")  # fmt: skip
KEYS = st.sampled_from(["auc", "loss", "lr", "Ω-metric", "a/b"])
VALUES = st.sampled_from([0.5, -1.0, 0.0, math.nan, math.inf, -math.inf, 1e300, 31])
PARAMS = st.sampled_from([31, 31.0, "31", "ünï", "", 0.1, True])
RUN = st.fixed_dictionaries(
    {
        "name": NAMES,
        "parent": st.booleans(),
        "params": st.dictionaries(KEYS, PARAMS, max_size=3),
        "metrics": st.dictionaries(KEYS, st.lists(VALUES, min_size=1, max_size=3), max_size=3),
        "tags": st.dictionaries(st.sampled_from(["owner", "ñote"]), NAMES, max_size=2),
    }
)
STORE = st.fixed_dictionaries(
    {
        "runs": st.lists(RUN, max_size=4),
        "drift": st.lists(st.sampled_from(["no run", "in run", "drifted"]), max_size=2),
        "models": st.lists(st.sampled_from(["no alias", "champion"]), max_size=2),
        "model_name": st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,9}", fullmatch=True),
        "trials": st.none() | st.lists(st.sampled_from(["ok", "pruned", "fail"]), min_size=3,
                                       max_size=5),
        "pipeline": st.sampled_from([None, "manifest", "broken manifest", "no version"]),
    }
)  # fmt: skip


def _seed_runs(runs: list[dict[str, Any]]) -> None:
    parent_id = None
    for spec in runs:
        nested = spec["parent"] and parent_id is not None
        if nested:
            wb.start_run(run_id=parent_id)
        with wb.start_run(name=spec["name"], tags=spec["tags"], nested=nested) as run:
            run.log_params(spec["params"])
            for key, values in spec["metrics"].items():
                for step, value in enumerate(values):
                    run.log_metric(key, float(value), step=step)
        if nested:
            wb.end_run()
        parent_id = run.id


def _seed(plan: dict[str, Any]) -> None:
    wb.set_experiment("ünïcode ✓")
    _seed_runs(plan["runs"])
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"x": rng.normal(size=60), "c": rng.choice(["a", "b"], 60)})
    for kind in plan["drift"]:
        current = reference.assign(x=reference["x"] + 3) if kind == "drifted" else reference
        report = wb.drift.compare(reference, current)
        if kind == "in run":
            with wb.start_run(name="drift check") as run:
                report.log(run=run, dataset="d ✓")
        else:
            report.log(dataset="d ✓")
    if plan["models"]:
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression().fit(reference[["x"]], reference["c"])
        for version, alias in enumerate(plan["models"], start=1):
            with wb.start_run(name="model") as run:
                run.log_model(model, name=plan["model_name"])
            if alias == "champion":
                wb.models.promote(plan["model_name"], version, alias="champion")
    if plan["trials"]:
        _tune(plan["trials"])
    if plan["pipeline"]:
        _pipeline(plan["pipeline"])


def _tune(outcomes: list[str]) -> None:
    import optuna

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", -1.0, 1.0)
        outcome = outcomes[trial.number % len(outcomes)]
        if outcome == "pruned":
            trial.report(x, step=0)
            raise optuna.TrialPruned()
        if outcome == "fail":
            raise RuntimeError("a failed trial")
        return x

    wb.tune(objective, n_trials=len(outcomes), name="stüdy ✓", show_progress=False)


def _pipeline(kind: str) -> None:
    from workbench.pipelines.catalog import pipelines_folder

    folder = pipelines_folder() / "never_run"
    folder.mkdir(parents=True)
    manifest = {"manifest": {"name": "never_run", "version": "1.0.0", "fingerprint": "f" * 64},
                "no version": {"name": "never_run"}}.get(kind)  # fmt: skip
    text = json.dumps(manifest) if manifest is not None else "{not json"
    (folder / "manifest.json").write_text(text)


def page_urls() -> list[str]:
    """Every page and every detail view the store holds, plus unknown ids."""
    from workbench.pipelines.catalog import list_packages
    from workbench.tracking.queries import experiments

    run_ids = list(wb.runs(experiment=experiments() or None, include_deleted=True)["run_id"])
    urls = ["/", "/runs", "/compare", "/run", "/studies", "/drift", "/models", "/pipelines"]
    urls += [f"/run?id={r}" for r in run_ids] + ["/run?id=nope"]
    urls += [f"/compare?runs={','.join(run_ids)}", "/compare?runs=nope,"]
    urls += [f"/drift?report={r}" for r in wb.drift.history()["id"]]
    urls += ["/drift?report=999", "/drift?report=abc", "/studies?study=nope", "/models?model=no"]
    urls += [f"/studies?study={s}" for s in wb.tuning.studies()["study"]]
    urls += [f"/models?model={m}" for m in wb.models.list_models()["name"]]
    urls += [f"/pipelines?name={p.name}" for p in list_packages()] + ["/pipelines?name=no"]
    return urls


def build_page(url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Build ``url``'s page as a served session would (its query arguments, its Bokeh
    models); returns the text of its HTML and Markdown panes."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    arguments = {k: [v.encode() for v in vs] for k, vs in parse_qs(parts.query).items()}
    # the request's query arguments, as Bokeh hands them to a served session
    monkeypatch.setattr(type(pn.state), "session_args", property(lambda self: arguments))
    template = routes()[parts.path]()
    column = pn.Column(*template.main)
    column.get_root(Document())
    texts = [str(p.object) for p in column.select(pn.pane.HTML) + column.select(pn.pane.Markdown)]
    return "\n".join(texts)


def check_every_page(monkeypatch: pytest.MonkeyPatch) -> int:
    urls = page_urls()
    for url in urls:
        try:
            text = build_page(url, monkeypatch)
        except Exception as error:  # the URL names the page that broke
            raise AssertionError(f"{url} failed to build: {error!r}") from error
        assert "Traceback" not in text, url
    return len(urls)


@pytest.fixture(scope="module", autouse=True)
def _bokeh() -> None:
    from workbench.ui.app import plotting_backend

    plotting_backend()


# no shrinking: a failure names its URL and plan, and shrinking a store costs minutes
@settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(plan=STORE)
def test_every_page_builds_on_any_store(plan: dict[str, Any], monkeypatch: pytest.MonkeyPatch):
    with tempfile.TemporaryDirectory() as folder, isolated_project(Path(folder)):
        (Path(folder) / ".workbench").mkdir()
        _seed(plan)
        assert check_every_page(monkeypatch) >= 8
