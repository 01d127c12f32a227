"""``/``: the guided workflow from MLOps level 0 (manual notebooks) to level 1 (a versioned
pipeline that retrains itself). Each step's status is computed from the store; each shows
the one command or notebook cell that does it and links to its page."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import panel as pn

from workbench.tracking.queries import project_summary
from workbench.ui._layout import LiveView, page


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    detail: str  # what the store holds for this step
    how: str  # the command or cell that does it
    href: str


def _pipelines() -> tuple[list[str], list[str]]:
    """(every exported package, the ones whose export was verified to reproduce)."""
    from workbench.pipelines.catalog import list_packages

    packages = list_packages()
    verified = [p.name for p in packages if p.verdict in ("reproduced", "within tolerance")]
    return [p.name for p in packages], verified


def _retrains() -> tuple[int, str]:
    """(how many retrain runs in any experiment, the last one's decision)."""
    from workbench.tracking.queries import count_runs, experiments, runs

    # every experiment: the process may have a current one (`workbench demo` sets its own)
    names = experiments()
    where = "tags.`pipeline.mode` = 'retrain'"
    count = count_runs(experiment=names, filter=where) if names else 0
    if not count:
        return 0, ""
    last = runs(experiment=names, filter=where, max_results=1)
    decision = last["tags.retrain.decision"].iloc[0] if "tags.retrain.decision" in last else ""
    return count, str(decision) if decision == decision else ""


def workflow() -> list[Step]:
    """The level 0 → 1 checklist with each step's status read from the store."""
    counts = project_summary()
    runs, studies, models, reports = (
        counts["runs"],
        counts["studies"],
        counts["models"],
        counts["drift_reports"],
    )
    pipelines, verified = _pipelines()
    retrains, decision = _retrains()
    return [
        Step("track", "Track a first run", runs > 0, f"{runs} run(s) tracked",
             'with wb.start_run(name="baseline") as run:\n    run.log_metric("auc", auc)',
             "/runs"),
        Step("compare", "Compare runs", runs >= 2,
             "select runs on the Runs page, then Compare" if runs >= 2 else "needs two runs",
             "wb.compare_runs([run_id_1, run_id_2])", "/runs"),
        Step("tune", "Tune hyperparameters", studies > 0, f"{studies} study(ies)",
             "result = wb.tune(objective, n_trials=50, direction=\"maximize\")", "/studies"),
        Step("register", "Register a model", models > 0, f"{models} model(s)",
             'run.log_model(model, name="my-model")\n'
             'wb.models.promote("my-model", version=1, alias="champion")', "/models"),
        Step("drift", "Check data drift", reports > 0, f"{reports} report(s) stored",
             'wb.drift.compare(reference_df, current_df).log(dataset="my-data")', "/drift"),
        Step("export", "Export the notebook as a pipeline", len(pipelines) > 0,
             f"{len(pipelines)} pipeline package(s)", "workbench export notebook.ipynb",
             "/pipelines"),
        Step("verify", "Verify the pipeline reproduces the notebook", len(verified) > 0,
             f"{len(verified)} of {len(pipelines)} package(s) reproduce their notebook",
             "workbench export notebook.ipynb --verify", "/pipelines"),
        Step("retrain", "Retrain with an evaluation gate", retrains > 0,
             f"{retrains} retrain run(s), the last one {decision or 'unfinished'}"
             if retrains else "a pipeline retrains on new data and promotes only a better model",
             "workbench retrain <name> --data new.parquet", "/pipelines"),
    ]  # fmt: skip


CSS = """
.wb-steps{list-style:none;padding:0;margin:0}
.wb-step{border:1px solid #ddd;border-radius:6px;padding:10px 14px;margin:8px 0}
.wb-step.wb-next{border-color:#2f6f8f;box-shadow:0 0 0 2px #2f6f8f33}
.wb-step h3{margin:0 0 4px 0;font-size:16px}
.wb-step pre{background:#f6f8fa;padding:6px 8px;margin:6px 0 0 0;font-size:12px}
.wb-mark{display:inline-block;width:1.4em;font-weight:700}
.wb-step.wb-done{border-left:5px solid #2b8a3e}.wb-done .wb-mark{color:#2b8a3e}
.wb-next .wb-mark{color:#2f6f8f}.wb-todo .wb-mark{color:#999}
.wb-progress{font-size:15px;margin:4px 0 10px 0}
"""


def render_steps(steps: list[Step]) -> str:
    done = sum(step.done for step in steps)
    following = next((step.key for step in steps if not step.done), None)
    items = []
    for step in steps:
        state = "done" if step.done else ("next" if step.key == following else "todo")
        mark = {"done": "✓", "next": "→", "todo": "○"}[state]
        items.append(
            f'<li class="wb-step wb-{state}" data-step="{step.key}" data-state="{state}">'
            f'<h3><span class="wb-mark">{mark}</span>{html.escape(step.title)}'
            f' <a href="{step.href}" class="wb-step-link">open</a></h3>'
            f'<span class="wb-step-detail">{html.escape(step.detail)}</span>'
            f"<pre>{html.escape(step.how)}</pre></li>"
        )
    return (
        f'<p class="wb-progress">Level 0 → 1: <b class="wb-done-count">{done} of {len(steps)}'
        f"</b> steps done.</p>"
        f'<ol class="wb-steps">{"".join(items)}</ol>'
    )


class HomeView(LiveView):
    """The checklist, recomputed whenever the store changes."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._steps = pn.pane.HTML("", stylesheets=[CSS], sizing_mode="stretch_width")
        self.refresh()

    def refresh(self) -> None:
        self._steps.object = render_steps(workflow())

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            pn.pane.Markdown(
                "## From notebook to pipeline\n"
                "Follow the steps from MLOps level 0 (manual notebooks) to level 1 (an "
                "automated, versioned pipeline with continuous training). Each step turns "
                "green when the store holds its result."
            ),
            self._steps,
            sizing_mode="stretch_width",
        )


def view() -> pn.template.BaseTemplate:
    home = HomeView()
    home.start_live_updates()
    return page("Home", "/", home)
