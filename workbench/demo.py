"""A small demo project: a few tracked runs on scikit-learn's bundled breast-cancer data."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tqdm.auto import tqdm

from workbench._project import open_project

DEMO_EXPERIMENT = "breast-cancer"
DEMO_MODEL = "breast-cancer-classifier"


def seed_demo(home: str | Path) -> int:
    """Create ``home/.workbench`` with tracked runs (once); returns the number of runs.

    Points ``WORKBENCH_HOME`` at ``home`` for this process, so the dashboard it serves
    next shows the demo store.
    """
    import workbench as wb

    open_project(Path(home))
    os.environ.pop("WORKBENCH_DB_URL", None)
    wb.set_experiment(DEMO_EXPERIMENT)
    existing = wb.runs(experiment=DEMO_EXPERIMENT)
    if len(existing):
        return len(existing)
    _track_models()
    _tune_and_check_drift()
    return len(wb.runs(experiment=DEMO_EXPERIMENT))


def _tune_and_check_drift() -> None:
    """A small tuning study and a stored drift report, so every page has something to show."""
    import numpy as np
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import workbench as wb

    data = load_breast_cancer(as_frame=True)

    def logistic_regression(trial: object) -> float:
        c = trial.suggest_float("C", 1e-3, 10.0, log=True)  # type: ignore[attr-defined]
        model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=500))
        return float(cross_val_score(model, data.data, data.target, cv=3, scoring="roc_auc").mean())

    wb.tune(logistic_regression, n_trials=15, direction="maximize", experiment=DEMO_EXPERIMENT,
            name="breast-cancer/logreg-C", show_progress=True)  # fmt: skip
    # "New" data: the same population with a measurement drift on two columns.
    current = data.data.sample(frac=1.0, random_state=1).copy()
    current["mean radius"] = current["mean radius"] * 1.15
    current["mean texture"] = current["mean texture"] + np.random.default_rng(0).normal(
        2, 1, len(current)
    )
    wb.drift.compare(data.data, current).log(dataset="breast-cancer")


def _track_models() -> None:
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, classification_report, roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import workbench as wb

    data = load_breast_cancer(as_frame=True)
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=0, stratify=data.target
    )
    candidates = [
        ("logreg C=0.1", make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=500)),
         {"model": "logreg", "C": 0.1}),
        ("logreg C=1", make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=500)),
         {"model": "logreg", "C": 1.0}),
        ("random forest", RandomForestClassifier(n_estimators=200, max_depth=6, random_state=0),
         {"model": "random_forest", "n_estimators": 200, "max_depth": 6}),
        ("gradient boosting",
         GradientBoostingClassifier(n_estimators=150, learning_rate=0.05, random_state=0),
         {"model": "gradient_boosting", "n_estimators": 150, "learning_rate": 0.05}),
    ]  # fmt: skip
    for name, model, params in tqdm(candidates, desc="seeding demo runs"):
        with wb.start_run(name=name, tags={"owner": "demo"}) as run:
            run.log_params(params)
            run.log_dataset(x_train.assign(target=y_train), name="breast_cancer", role="train")
            run.log_dataset(x_test.assign(target=y_test), name="breast_cancer", role="test")
            model.fit(x_train, y_train)
            if isinstance(model, GradientBoostingClassifier):
                # one point per boosting stage: the history the dashboard plots
                for step, proba in enumerate(model.staged_predict_proba(x_test)):
                    run.log_metric("val/auc", roc_auc_score(y_test, proba[:, 1]), step=step)
            proba = model.predict_proba(x_test)[:, 1]
            run.log_metrics(
                {
                    "auc": roc_auc_score(y_test, proba),
                    "accuracy": accuracy_score(y_test, proba > 0.5),
                }
            )
            with tempfile.TemporaryDirectory() as tmp:
                report = Path(tmp) / "classification_report.txt"
                report.write_text(classification_report(y_test, proba > 0.5))
                run.log_artifact(report)
            run.log_model(model, name=DEMO_MODEL, input_example=x_train.head(5))
    # The registry: the logistic regression is the champion, the forest the challenger.
    wb.models.promote(DEMO_MODEL, 2, alias="champion")
    wb.models.promote(DEMO_MODEL, 3, alias="challenger")
