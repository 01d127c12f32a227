"""Write the guided notebooks ``notebooks/0*.ipynb`` from the cell sources below.

The series takes a newcomer from MLOps level 0 (a notebook and a number) to level 1 (a
tracked, tuned, monitored model trained by a versioned pipeline), on scikit-learn's
bundled breast cancer data: nothing to download. Like ``make_examples.py``: edit a
notebook here, run ``python notebooks/tools/make_guides.py`` and commit both; notebooks
are written without outputs and with stable cell ids.

Every notebook runs top to bottom on its own. The store is the project's (the nearest
folder upward holding ``.workbench/``, else the folder the kernel starts in, which is
``notebooks/`` in JupyterLab; ``WORKBENCH_HOME`` overrides), and so is the ``pipelines/``
folder that notebook 04 exports into.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from make_examples import code, md, notebook

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent

SERIES = (
    "| notebook | level 0 → 1 step |\n"
    "|---|---|\n"
    "| `01_track_and_compare` | every training run is recorded and comparable |\n"
    "| `02_tune_with_optuna` | tuning is tracked; the best model is registered as `champion` |\n"
    "| `03_detect_drift` | new data is checked against the training data |\n"
    "| `04_export_pipeline` | the notebook becomes a versioned, reproducible pipeline |\n"
    "| `05_retrain_with_a_gate` | drift triggers retraining, gated against the champion |"
)

DATA = (
    "from sklearn.datasets import load_breast_cancer\n"
    "from sklearn.model_selection import train_test_split\n"
    "\n"
    "df = load_breast_cancer(as_frame=True).frame\n"
    'X = df.drop(columns="target")\n'
    'y = df["target"]\n'
    "X_train, X_test, y_train, y_test = train_test_split(\n"
    "    X, y, test_size=0.25, stratify=y, random_state=42\n"
    ")\n"
    'print(f"{len(X_train)} training rows, {len(X_test)} test rows, {X.shape[1]} features")'
)

TRACK = notebook(
    md(
        "# 01 · Track and compare experiments\n"
        "\n"
        "**MLOps level 0** is a notebook and a number: you train a model, look at its score,\n"
        "change something, train again — and yesterday's number, the settings that produced\n"
        'it and the data it saw are gone. Nobody can check the claim "the boosted model is\n'
        'better", not even you next month.\n'
        "\n"
        "The first step towards **level 1** is to *record every training run*: what went in\n"
        "(parameters, data), what came out (metrics, the model). That record is what the\n"
        "later steps stand on — tuning compares hundreds of runs, the registry points at the\n"
        "run a model came from, and an exported pipeline proves it reproduces a run.\n"
        "\n"
        "The series, one notebook per step:\n"
        "\n" + SERIES + "\n"
        "\n"
        "Here you train four real models on scikit-learn's bundled breast cancer data as\n"
        "tracked runs, then list, filter and compare them."
    ),
    md(
        "## Where the records go\n"
        "\n"
        "Into the project's store: one SQLite file, `.workbench/workbench.db`, plus the\n"
        "artifacts (models, files) next to it in `.workbench/artifacts/`. The project is the\n"
        "nearest folder upward that holds a `.workbench/` folder, else the folder the kernel\n"
        "started in (in JupyterLab: this notebook's folder). Set `WORKBENCH_HOME` to choose\n"
        "another one, or `WORKBENCH_DB_URL` to share a PostgreSQL server with your team.\n"
        "Nothing to start: no server, no account."
    ),
    code(
        "import workbench as wb\n"
        "from workbench.store.location import project_home\n"
        "\n"
        "print(f\"This notebook records into {project_home() / '.workbench'}\")"
    ),
    md(
        "## The data\n"
        "\n"
        "569 tumours, 30 measurements each (radius, texture, concavity... of the cell\n"
        "nuclei in a scan); `target` is 1 for benign, 0 for malignant. A quarter is held out\n"
        "for the test set, stratified so both parts have the same share of malignant cases.\n"
        "Every model below is scored on the same test rows: only then are their numbers\n"
        "comparable."
    ),
    code(DATA),
    md(
        "## An experiment groups comparable runs\n"
        "\n"
        "Runs go to the current experiment (created on first use). Use one experiment per\n"
        "question you are answering — here: which model separates benign from malignant\n"
        "tumours best. The next notebooks use the same experiment, so everything about this\n"
        "model ends up side by side."
    ),
    code('wb.set_experiment("breast-cancer")'),
    md(
        "## A first run, logged by hand\n"
        "\n"
        "A run is a `with` block: it starts `RUNNING`, ends `FINISHED` — or `FAILED` if the\n"
        "block raises, so a crash is recorded too. Inside it, log:\n"
        "\n"
        "- **params**: the settings you chose (immutable: a run is one experiment);\n"
        "- **datasets**: a fingerprint, schema and profile of the data, not a copy — two runs\n"
        "  with the same fingerprint saw exactly the same rows;\n"
        "- **metrics**: the scores (a metric can also have a history, see below);\n"
        "- **the model**: saved in a safe format (skops for scikit-learn, LightGBM's own text\n"
        "  format), with a signature inferred from `input_example`, so it can be loaded\n"
        "  and served later without pickle."
    ),
    code(
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import accuracy_score, log_loss, roc_auc_score\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "\n"
        'with wb.start_run(name="logistic-regression", tags={"family": "linear"}) as run:\n'
        '    run.log_params({"model": "LogisticRegression", "C": 1.0, "scaled": True})\n'
        '    run.log_dataset(df.loc[X_train.index], name="breast-cancer", role="train")\n'
        '    run.log_dataset(df.loc[X_test.index], name="breast-cancer", role="test")\n'
        "    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))\n"
        "    model.fit(X_train, y_train)\n"
        "    proba = model.predict_proba(X_test)[:, 1]\n"
        "    run.log_metrics(\n"
        "        {\n"
        '            "roc_auc": roc_auc_score(y_test, proba),\n'
        '            "accuracy": accuracy_score(y_test, proba > 0.5),\n'
        '            "log_loss": log_loss(y_test, proba),\n'
        "        }\n"
        "    )\n"
        "    run.log_model(model, input_example=X_train.head())\n"
        "run"
    ),
    md(
        "## The same, for every model\n"
        "\n"
        "Copying that block for each model is how scores stop being comparable (one cell\n"
        "forgets the scaler, another evaluates on the training rows). One function does the\n"
        "bookkeeping; each model only says what it is."
    ),
    code(
        "def train_and_track(name, model, params, family):\n"
        '    """Fit `model` on the training rows and record it as one run; returns the run."""\n'
        '    with wb.start_run(name=name, tags={"family": family}) as run:\n'
        "        run.log_params(params)\n"
        '        run.log_dataset(df.loc[X_train.index], name="breast-cancer", role="train")\n'
        '        run.log_dataset(df.loc[X_test.index], name="breast-cancer", role="test")\n'
        "        model.fit(X_train, y_train)\n"
        "        proba = model.predict_proba(X_test)[:, 1]\n"
        "        run.log_metrics(\n"
        "            {\n"
        '                "roc_auc": roc_auc_score(y_test, proba),\n'
        '                "accuracy": accuracy_score(y_test, proba > 0.5),\n'
        '                "log_loss": log_loss(y_test, proba),\n'
        "            }\n"
        "        )\n"
        "        run.log_model(model, input_example=X_train.head())\n"
        "    return run"
    ),
    md(
        "A random forest, and two LightGBM models: one with defaults-like settings, one\n"
        "smaller and slower-learning. `n_jobs=1` and a fixed `random_state` make each result\n"
        "repeatable on any machine."
    ),
    code(
        "from lightgbm import LGBMClassifier\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "\n"
        'forest_params = {"n_estimators": 200, "max_depth": 6, "random_state": 0}\n'
        "forest = train_and_track(\n"
        '    "random-forest",\n'
        "    RandomForestClassifier(**forest_params, n_jobs=1),\n"
        '    {"model": "RandomForestClassifier", **forest_params},\n'
        '    family="trees",\n'
        ")\n"
        "\n"
        "lgbm_models, lgbm_runs = {}, {}\n"
        "for name, lgbm_params in {\n"
        '    "lightgbm": {"n_estimators": 200, "learning_rate": 0.1, "num_leaves": 31},\n'
        '    "lightgbm-small": {"n_estimators": 300, "learning_rate": 0.03, "num_leaves": 8},\n'
        "}.items():\n"
        "    lgbm = LGBMClassifier(**lgbm_params, random_state=0, n_jobs=1, verbose=-1)\n"
        "    lgbm_models[name] = lgbm\n"
        "    lgbm_runs[name] = train_and_track(\n"
        '        name, lgbm, {"model": "LGBMClassifier", **lgbm_params}, family="boosting"\n'
        "    )"
    ),
    md(
        "## A metric with a history\n"
        "\n"
        "`log_metric(key, value, step=...)` records a curve instead of one number: here the\n"
        "test ROC AUC of the LightGBM model as trees are added. A run can be reopened to add\n"
        "to it (`run_id=`), which is what this cell does. The points are buffered and written\n"
        "in batches, so logging thousands of them inside a training loop costs next to\n"
        "nothing."
    ),
    code(
        'lgbm, lgbm_run = lgbm_models["lightgbm"], lgbm_runs["lightgbm"]\n'
        "with wb.start_run(run_id=lgbm_run.id) as run:\n"
        "    for n_trees in range(10, lgbm.n_estimators + 1, 10):\n"
        "        proba = lgbm.predict_proba(X_test, num_iteration=n_trees)[:, 1]\n"
        '        run.log_metric("roc_auc_by_trees", roc_auc_score(y_test, proba), step=n_trees)\n'
        "\n"
        'history = wb.metric_history(lgbm_run.id, "roc_auc_by_trees")\n'
        "history.tail()"
    ),
    md(
        "Plots are HoloViews objects (the dashboard draws the same ones). The curve flattens\n"
        "early: most of the 200 trees add little — a hint for the tuning in the next notebook."
    ),
    code(
        "import holoviews as hv\n"
        "\n"
        'hv.extension("bokeh")\n'
        'hv.Curve(history, "step", "value").opts(\n'
        '    xlabel="trees", ylabel="test ROC AUC", width=600, title="LightGBM, test ROC AUC"\n'
        ")"
    ),
    md(
        "## List the runs\n"
        "\n"
        "`wb.runs()` is a pandas DataFrame: one row per run, `params.*`, `metrics.*` (last\n"
        "values) and `tags.*` columns. Sort it in the store with `order_by`."
    ),
    code(
        'runs = wb.runs(order_by="metrics.roc_auc DESC")\n'
        'runs[["name", "status", "metrics.roc_auc", "metrics.accuracy", "metrics.log_loss"]]'
    ),
    md(
        "On this small, nearly linearly separable data the plain logistic regression holds\n"
        "its own against the boosted trees — a fact that gets lost without a record. Keep\n"
        "the scale in mind, too: one tumour more or less classified right on 143 test rows\n"
        "moves accuracy by 0.007.\n"
        "\n"
        "`filter` takes MLflow's search syntax and goes past it: `or`, parentheses, params\n"
        "compared as numbers, aggregates over a metric's history (`metrics.loss.min`). A\n"
        "mistake is reported with its position."
    ),
    code(
        "wb.runs(filter=\"metrics.roc_auc > 0.99 and tags.family = 'boosting'\")[\n"
        '    ["name", "params.learning_rate", "params.num_leaves", "metrics.roc_auc"]\n'
        "]"
    ),
    md(
        "## Compare two runs\n"
        "\n"
        "`wb.compare_runs` puts runs side by side, one row per param, metric, tag and dataset,\n"
        "with `differs` marking what is not the same. Look at the `datasets.*` rows: equal\n"
        "fingerprints prove both models were trained and tested on the same rows — the\n"
        "comparison is fair."
    ),
    code(
        'best_two = runs["run_id"].head(2).tolist()\n'
        "comparison = wb.compare_runs(best_two)\n"
        "comparison"
    ),
    code('comparison[comparison["differs"]]'),
    md(
        "## The dashboard\n"
        "\n"
        "The same records, for browsing and for a reviewer: in a terminal, from the project\n"
        "folder,\n"
        "\n"
        "```bash\n"
        "workbench ui        # http://127.0.0.1:5006\n"
        "```\n"
        "\n"
        "serves the dashboard: a level 0 → 1 checklist, the runs table (filter, sort, tick\n"
        "rows to compare their metric histories), studies, drift reports, models and\n"
        "pipelines. A page can also be shown right here in a cell:"
    ),
    code('wb.ui.dashboard("runs")'),
    md(
        "## What you have now\n"
        "\n"
        "Four runs that anyone with the project folder can list, filter and compare, each\n"
        "with its settings, data fingerprints, scores and a loadable model. Without writing\n"
        "the logging code yourself: `wb.autolog()` at the top of a notebook records every\n"
        "scikit-learn and LightGBM `fit` as a run.\n"
        "\n"
        "**Next: `02_tune_with_optuna`** — search the model and its settings instead of\n"
        "guessing them, with every trial a tracked run, and register the best model as the\n"
        "`champion`."
    ),
)

TUNE = notebook(
    md(
        "# 02 · Tune with Optuna, keep every trial\n"
        "\n"
        "In notebook 01 the settings were guesses, and the ranking of four models on 143\n"
        "test rows is partly luck. Tuning replaces guessing with a search — and at level 0\n"
        "it is also where results get lost: a loop prints a best score, and the model that\n"
        "produced it is never saved.\n"
        "\n"
        "`wb.tune` runs an [Optuna](https://optuna.org) study whose **every trial is a tracked\n"
        "run** (its params, metrics and model, under one *study* run). Then the best trial's\n"
        "model goes into the **model registry** as a numbered version, and the alias\n"
        '`champion` points at it. From here on, "the model in production" is not a file on\n'
        "someone's laptop but `breast-cancer@champion`: a name anyone can load, serve, or —\n"
        "in notebook 05 — challenge with a retrained model."
    ),
    code(
        "import optuna\n"
        "from lightgbm import LGBMClassifier\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import roc_auc_score\n"
        "from sklearn.model_selection import StratifiedKFold, cross_val_score\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "\n"
        "import workbench as wb\n"
        "\n"
        'wb.set_experiment("breast-cancer")'
    ),
    md(
        "## Score on the training rows only\n"
        "\n"
        "The same split as notebook 01 (same seed, so the same test rows). Trials are scored\n"
        "by 3-fold **cross-validation on the training rows**; the test rows stay untouched\n"
        "until the very end. Picking the best of many trials by their test score would make\n"
        "that score optimistic — the search would have fitted the test set."
    ),
    code(DATA + "\nfolds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)"),
    md(
        "## The objective: which model, and which settings\n"
        "\n"
        "An ordinary Optuna objective: ask the `trial` for settings, train, return the score.\n"
        "The model family is a setting too: the search decides between notebook 01's\n"
        "logistic regression and LightGBM, each with its own parameters (Optuna's\n"
        "*conditional* search space).\n"
        "\n"
        "Inside the objective, `wb.log_metrics` and `wb.log_model` land in the trial's own\n"
        "run; the trial's params are recorded for you. Log the model in every trial: you do\n"
        "not know in advance which one will be best, and a model is a few kilobytes."
    ),
    code(
        "def breast_cancer_auc(trial):\n"
        '    family = trial.suggest_categorical("family", ["logistic", "lightgbm"])\n'
        '    if family == "logistic":\n'
        '        C = trial.suggest_float("C", 1e-3, 1e2, log=True)\n'
        "        model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))\n"
        "    else:\n"
        "        model = LGBMClassifier(\n"
        '            n_estimators=trial.suggest_int("n_estimators", 25, 200, log=True),\n'
        '            learning_rate=trial.suggest_float("learning_rate", 0.01, 0.3, log=True),\n'
        '            num_leaves=trial.suggest_int("num_leaves", 4, 32, log=True),\n'
        '            min_child_samples=trial.suggest_int("min_child_samples", 5, 50),\n'
        "            random_state=0,\n"
        "            n_jobs=1,\n"
        "            verbose=-1,\n"
        "        )\n"
        '    scores = cross_val_score(model, X_train, y_train, cv=folds, scoring="roc_auc")\n'
        '    wb.log_metrics({"cv_roc_auc": scores.mean(), "cv_roc_auc_std": scores.std()})\n'
        "    model.fit(X_train, y_train)\n"
        "    wb.log_model(model, input_example=X_train.head())\n"
        "    return scores.mean()"
    ),
    md(
        "## Run the study\n"
        "\n"
        "- `n_trials=20` keeps this notebook short; real searches use a few hundred, or\n"
        "  `timeout=` seconds.\n"
        "- `n_jobs=2` runs two worker *processes* on the same study (not threads: no\n"
        '  interpreter lock, and no "database is locked" either).\n'
        "- A seeded sampler makes the suggestions repeatable (exactly so with `n_jobs=1`).\n"
        "- The study is stored next to the runs under `study_name`: run this cell again,\n"
        "  or after a kernel restart, and it *continues* the same study with 20 more trials.\n"
        "  Choose a new name to start afresh."
    ),
    code(
        "result = wb.tune(\n"
        "    breast_cancer_auc,\n"
        "    n_trials=20,\n"
        "    n_jobs=2,\n"
        '    direction="maximize",\n'
        '    study_name="breast-cancer/model-search",\n'
        "    sampler=optuna.samplers.TPESampler(seed=0),\n"
        ")\n"
        "result"
    ),
    md(
        "## The best trial\n"
        "\n"
        "`best_params`, `best_value` and `best_run_id` — the tracked run that holds this\n"
        "trial's model. `result.trials` lists every trial with its run id."
    ),
    code(
        'print(f"best cross-validated ROC AUC: {result.best_value:.4f}")\n'
        'print(f"best run: {result.best_run_id}")\n'
        "result.best_params"
    ),
    code(
        'result.trials.sort_values("value", ascending=False).head()[\n'
        '    ["number", "value", "params_family", "params_C", "params_num_leaves", "run_id"]\n'
        "]"
    ),
    md(
        "The trials are runs like any other, in the same experiment as notebook 01's models:\n"
        "`wb.runs` finds them by the tag the study puts on them. `cv_roc_auc_std` says how\n"
        "much the score moved between folds — differences smaller than that are noise."
    ),
    code(
        "trials = wb.runs(\n"
        "    filter=\"tags.`optuna.study` = 'breast-cancer/model-search'\",\n"
        '    order_by="metrics.cv_roc_auc DESC",\n'
        ")\n"
        'trials[["name", "params.family", "metrics.cv_roc_auc", "metrics.cv_roc_auc_std"]].head()'
    ),
    md(
        "## What the study says\n"
        "\n"
        "The study's plots (HoloViews, the same ones the dashboard's `/studies` page shows):\n"
        "\n"
        "- **history**: each trial's value and the best so far — still climbing at the end\n"
        "  means more trials would pay;\n"
        "- **slices**: the score against each setting — which family wins, and where in each\n"
        "  range the good trials lie (a best value at the edge of a range: widen the range);\n"
        "- **importances** and **parallel coordinates**: which settings moved the score.\n"
        "\n"
        "`result.plots.all()` gives every plot that has something to show, in one layout."
    ),
    code('import holoviews as hv\n\nhv.extension("bokeh")\nresult.plots.history()'),
    code('result.plots.slice("family") + result.plots.slice("C")'),
    md(
        "## Register the best model, make it the champion\n"
        "\n"
        "`register_best` adds the best trial's model to the registry as the next version of\n"
        "`breast-cancer`, linked to its run, its training data fingerprint and its metrics.\n"
        "`promote` points the alias `champion` at that version; every move of an alias is\n"
        "kept, so `wb.models.rollback` can undo it."
    ),
    code(
        'version = result.register_best("breast-cancer")\n'
        'wb.models.promote("breast-cancer", version=version.version, alias="champion")\n'
        'wb.models.versions("breast-cancer")[["name", "version", "aliases", "flavor", "run_id"]]'
    ),
    md(
        "## The champion, as anyone will load it\n"
        "\n"
        "By name and alias — no path, and no pickle: the model comes back from skops or\n"
        "LightGBM's text format after its sha256 was checked. Now, once, the test rows: this\n"
        "is the score to report, because no decision above looked at them."
    ),
    code(
        'champion = wb.models.load("breast-cancer@champion")\n'
        "test_auc = roc_auc_score(y_test, champion.predict_proba(X_test)[:, 1])\n"
        'print(f"champion: test ROC AUC {test_auc:.4f}")\n'
        "champion"
    ),
    md(
        "From a terminal, the same model answers over HTTP, following the alias when it\n"
        "moves:\n"
        "\n"
        "```bash\n"
        "workbench serve breast-cancer@champion --port 8000\n"
        "```\n"
        "\n"
        "In the dashboard (`workbench ui`): `/studies` for the study, `/models` for the\n"
        "versions, the alias and its history.\n"
        "\n"
        "**Next: `03_detect_drift`** — the champion learned from one set of patients and one\n"
        "scanner; how do you know when new data no longer looks like that?"
    ),
)

DRIFT = notebook(
    md(
        "# 03 · Detect drift\n"
        "\n"
        "At level 0 a model is trained once and then trusted. But the world it predicts\n"
        "moves: a hospital replaces a scanner, a screening programme changes who gets\n"
        "scanned. The model keeps answering — confidently, and more and more wrong — and\n"
        "nothing tells you, because the true labels (here: biopsy results) arrive weeks\n"
        "later, if ever.\n"
        "\n"
        "What you *can* watch at once is the inputs. **Drift detection** compares new data\n"
        "with the data the model learned from, column by column, with a statistical test,\n"
        "and gives a verdict for the whole batch. At level 1 that check runs on every new\n"
        "batch, its reports are stored, and a drifted batch is what triggers retraining\n"
        "(notebook 05)."
    ),
    code(
        "import numpy as np\n"
        "import pandas as pd\n"
        "from sklearn.datasets import load_breast_cancer\n"
        "from sklearn.model_selection import train_test_split\n"
        "\n"
        "import workbench as wb"
    ),
    md(
        "## Reference and current data\n"
        "\n"
        "The **reference** is what the model was trained on: 60 % of the breast cancer data.\n"
        "The other 40 % stands in for the future — patients the model has not seen yet."
    ),
    code(
        "df = load_breast_cancer(as_frame=True).frame\n"
        "reference, held_out = train_test_split("
        'df, test_size=0.4, stratify=df["target"], random_state=0)\n'
        'print(f"reference: {len(reference)} rows, held out: {len(held_out)} rows")'
    ),
    md(
        "## A realistic shift\n"
        "\n"
        "Unchanged held-out rows would (rightly) show no drift. Two things that happen to\n"
        "real screening programmes turn them into a believable future:\n"
        "\n"
        "1. **A new scanner.** Its software calibrates the pixel size differently: every\n"
        "   length (radius, perimeter) comes out 8 % larger, every area 1.08² ≈ 17 % larger;\n"
        "   and its sharper contrast raises the texture (the spread of grey levels) by 15 %.\n"
        "   The patients are the same; the numbers are not.\n"
        "2. **A screening programme** finds tumours earlier: the new patients' tumours are\n"
        "   smaller, and more of them are benign. The population changed, the target too."
    ),
    code(
        'LENGTHS = [c for c in df.columns if "radius" in c or "perimeter" in c]\n'
        'AREAS = [c for c in df.columns if "area" in c]\n'
        'TEXTURES = [c for c in df.columns if "texture" in c]\n'
        "\n"
        "\n"
        "def new_scanner(rows, scale=1.08, contrast=1.15):\n"
        '    """The same patients, measured with smaller pixels and a sharper contrast."""\n'
        "    rows = rows.copy()\n"
        "    rows[LENGTHS] *= scale\n"
        "    rows[AREAS] *= scale**2\n"
        "    rows[TEXTURES] *= contrast\n"
        "    return rows\n"
        "\n"
        "\n"
        "def screening(rows, seed=0):\n"
        '    """The patients an early-screening programme sees: small tumours are likelier."""\n'
        "    rng = np.random.default_rng(seed)\n"
        '    chance = 1 / (1 + np.exp((rows["mean radius"] - 13) / 1.5))\n'
        "    return rows[rng.random(len(rows)) < chance]\n"
        "\n"
        "\n"
        "current = screening(new_scanner(held_out))\n"
        'print(f"current: {len(current)} rows")\n'
        'pd.DataFrame({"reference": reference.mean(), "current": current.mean()}).head(4)'
    ),
    md(
        "## Compare\n"
        "\n"
        "`wb.drift.compare` picks a test per column from its type and the sample sizes, the\n"
        "way Evidently does: Kolmogorov–Smirnov for numbers and chi-square for categories on\n"
        "small data, Wasserstein or Jensen–Shannon distances on large data (a test on\n"
        "100,000 rows calls every tiny difference significant). `target=` names the target\n"
        "column, which is tested on its own instead of as a feature.\n"
        "\n"
        "The batch **drifted** when at least `drift_share` of the feature columns did. The\n"
        "default, half, suits unrelated columns; these 30 are ten measurements taken three\n"
        "ways (mean, error, worst) and radius, perimeter and area are one size measured\n"
        "three times, so a quarter of them is already a broad move. Choose it per model,\n"
        "once, and keep it: that is what makes verdicts comparable over time."
    ),
    code(
        "DRIFT_SHARE = 0.25\n"
        "\n"
        'report = wb.drift.compare(reference, current, target="target", drift_share=DRIFT_SHARE)\n'
        "report"
    ),
    md(
        "### Which columns, how much\n"
        "\n"
        "One row per column: the test, its statistic, the p-value and the threshold it is\n"
        "compared with (a column drifts when p < 0.05). Both changes moved the size columns;\n"
        "the screening also moved the shape columns that go with size, such as concavity.\n"
        "Two changes can also hide each other: smaller tumours have less texture, the new\n"
        "scanner shows more."
    ),
    code(
        "table = report.to_frame()\n"
        'table[table["drifted"]][["column", "test", "statistic", "p_value", "threshold"]]'
    ),
    md(
        "The target drifted too: more benign cases than in training. A model's\n"
        "probabilities carry the base rate it learned, so they are off for this population\n"
        "even where its ranking is still good."
    ),
    code(
        "target = report.target_drift\n"
        'print(f"target: {target.test} test, p-value {target.p_value:.2g}")\n'
        'print(f"benign share in the reference: {reference.target.mean():.2f}")\n'
        'print(f"benign share in the current data: {current.target.mean():.2f}")'
    ),
    md(
        "### The picture\n"
        "\n"
        "`report.plot()`: each column's drift score against its threshold, then the reference\n"
        "and current distributions, drifted columns first. Look at `mean area`: the scanner\n"
        "stretches it by 17 %, the screening squeezes it towards small tumours — and the\n"
        "screening wins."
    ),
    code('import holoviews as hv\n\nhv.extension("bokeh")\nreport.plot()'),
    md(
        "`save_html` writes the same report as one small standalone file (inline SVG, no\n"
        "scripts) to attach to a ticket or an e-mail."
    ),
    code('report.save_html("drift_report.html")'),
    md(
        "## Read the columns, not only the verdict\n"
        "\n"
        "The new scanner alone, on the very same patients, moves a dozen columns. Under the\n"
        "default `drift_share=0.5` that batch would pass as *no drift* — yet every size the\n"
        "model reads is now 8 % off. A verdict is a summary; for a model that hinges on a\n"
        "few columns, also watch those (`columns=[...]` restricts the check to them)."
    ),
    code(
        'scanner_only = wb.drift.compare(reference, new_scanner(held_out), target="target")\n'
        'print("default drift_share:", scanner_only)\n'
        'print("drifted columns:", [c.column for c in scanner_only.features if c.drifted])'
    ),
    md(
        "## Over time: store a report for every batch\n"
        "\n"
        "Monitoring is this check on every new batch, with the reports kept. Six weekly\n"
        "batches: three ordinary weeks, then the new scanner arrives (week 4), then the\n"
        "screening programme starts (weeks 5 and 6). `report.log(dataset=...)` stores each\n"
        "report in the tracking store under a dataset name. (Inside `wb.start_run()` it\n"
        "is also linked to that run, with `drift/share` as a metric.)\n"
        "\n"
        "An ordinary week may flag a column or two: with 30 tests at the 5 % level, some\n"
        "false alarms are expected. That is why the verdict looks at the share of columns."
    ),
    code(
        "weeks = []\n"
        "for week in range(1, 7):\n"
        "    batch = held_out.sample(n=80, random_state=week) if week < 5 else held_out\n"
        "    if week >= 4:\n"
        "        batch = new_scanner(batch)\n"
        "    if week >= 5:\n"
        "        batch = screening(batch, seed=week)\n"
        "    weekly = wb.drift.compare("
        'reference, batch, target="target", drift_share=DRIFT_SHARE)\n'
        '    weekly.log(dataset="breast-cancer")\n'
        '    monday = pd.Timestamp("2025-03-03") + pd.Timedelta(weeks=week - 1)\n'
        "    weeks.append(batch.assign(scanned_at=monday))\n"
        '    print(f"week {week}: {weekly}")'
    ),
    md(
        "`wb.drift.history` reads them back, newest first: when, the verdict, the share of\n"
        "drifted columns and the fingerprints of both datasets. The dashboard's `/drift`\n"
        "page draws the same history per dataset; `wb.drift.load_report(id)` reopens one\n"
        "report with its plots."
    ),
    code(
        'history = wb.drift.history(dataset="breast-cancer")\n'
        'history[["id", "created_at", "drifted", "share", "n_drifted", "n_columns"]]'
    ),
    code('latest = wb.drift.load_report(int(history["id"].iloc[0]))\nlatest'),
    md(
        "### Or one report with windows\n"
        "\n"
        "When the new data carries a timestamp, one call can cut it into windows and say\n"
        '*when* the drift started: `time_column=` and `window="7D"` (or a row count).'
    ),
    code(
        "month = pd.concat(weeks)\n"
        "windowed = wb.drift.compare(\n"
        "    reference,\n"
        "    month,\n"
        '    target="target",\n'
        "    drift_share=DRIFT_SHARE,\n"
        '    time_column="scanned_at",\n'
        '    window="7D",\n'
        ")\n"
        'by_window = windowed.windows_frame().groupby("start")\n'
        'by_window[["rows", "share", "dataset_drifted"]].first()'
    ),
    md(
        "## What you have now\n"
        "\n"
        "A check you can run on any new batch, reports kept over time next to the runs and\n"
        "models, and a dashboard page for them. Outside a notebook, the same check is one\n"
        "command that exits with status 1 on drift — ready for cron or CI:\n"
        "\n"
        "```bash\n"
        "workbench drift reference.parquet current.parquet --target target \\\n"
        "    --drift-share 0.25 --log breast-cancer --html drift.html\n"
        "```\n"
        "\n"
        "**Next: `04_export_pipeline`** — retraining on new data needs the training to be\n"
        "something a machine can rerun: a pipeline, not a notebook."
    ),
)

TRAINING = notebook(
    md(
        "# Breast cancer: the LightGBM training notebook\n"
        "\n"
        "The companion of `04_export_pipeline`: a plain level-0 notebook, with no workbench\n"
        "code in it: it trains a LightGBM classifier on the breast cancer data, as someone\n"
        "would before any MLOps, and prints its test scores. `04_export_pipeline` turns it\n"
        "into a pipeline package.\n"
        "\n"
        "Two conventions guide the export, and both are ordinary notebook habits:\n"
        "\n"
        "- the next cell is tagged `parameters` (papermill's convention; in JupyterLab: the\n"
        "  property inspector in the right sidebar): its constants become the pipeline's\n"
        "  parameters;\n"
        "- the `##` headings name the steps."
    ),
    code(
        "N_ESTIMATORS = 200\n"
        "LEARNING_RATE = 0.05\n"
        "NUM_LEAVES = 8\n"
        "MIN_CHILD_SAMPLES = 20\n"
        "COLSAMPLE_BYTREE = 0.5\n"
        "TEST_SIZE = 0.25\n"
        "SEED = 42",
        "parameters",
    ),
    code(
        "from lightgbm import LGBMClassifier\n"
        "from sklearn.datasets import load_breast_cancer\n"
        "from sklearn.metrics import accuracy_score, roc_auc_score\n"
        "from sklearn.model_selection import train_test_split"
    ),
    md("## Load the data"),
    code("df = load_breast_cancer(as_frame=True).frame\ndf.shape"),
    md("## Split\n\nThe same stratified hold-out as the other notebooks of the series."),
    code(
        'X = df.drop(columns="target")\n'
        'y = df["target"]\n'
        "X_train, X_test, y_train, y_test = train_test_split(\n"
        "    X, y, test_size=TEST_SIZE, stratify=y, random_state=SEED\n"
        ")"
    ),
    md(
        "## Train\n"
        "\n"
        "One thread and a fixed seed: the trees do not depend on the machine, so the\n"
        "pipeline can reproduce this notebook exactly."
    ),
    code(
        "model = LGBMClassifier(\n"
        "    n_estimators=N_ESTIMATORS,\n"
        "    learning_rate=LEARNING_RATE,\n"
        "    num_leaves=NUM_LEAVES,\n"
        "    min_child_samples=MIN_CHILD_SAMPLES,\n"
        "    colsample_bytree=COLSAMPLE_BYTREE,\n"
        "    random_state=SEED,\n"
        "    n_jobs=1,\n"
        "    verbose=-1,\n"
        ")\n"
        "model.fit(X_train, y_train)"
    ),
    md("## Evaluate"),
    code(
        "proba = model.predict_proba(X_test)[:, 1]\n"
        "roc_auc = roc_auc_score(y_test, proba)\n"
        "accuracy = accuracy_score(y_test, proba > 0.5)\n"
        'print(f"ROC AUC {roc_auc:.4f}, accuracy {accuracy:.4f}")'
    ),
)

EXPORT = notebook(
    md(
        "# 04 · Export the notebook as a pipeline\n"
        "\n"
        "Notebooks 01–03 made the *results* trustworthy: every run recorded, the best model\n"
        "registered, new data checked. The training itself is still a notebook: cells run\n"
        "in whatever order someone clicked, state hidden in the kernel, nothing a scheduler\n"
        'can call when drift says "retrain". That is the heart of level 0.\n'
        "\n"
        "Level 1 needs the training as a **pipeline**: steps with explicit inputs and\n"
        "outputs, parameters you can set from outside, a version, and a proof that it\n"
        "computes what the notebook computed. Rewriting a notebook by hand into such a thing\n"
        "takes days and drifts from the notebook the day after. `wb.export_notebook` does it\n"
        "from the notebook itself, and can be repeated whenever the notebook changes.\n"
        "\n"
        "The notebook to export is the companion **`04_training_notebook.ipynb`**, a plain\n"
        "LightGBM training notebook without any workbench code. Open it first: a parameters\n"
        "cell, four `##` headings, a few display cells."
    ),
    code(
        "import json\n"
        "import os\n"
        "import subprocess\n"
        "import sys\n"
        "from pathlib import Path\n"
        "\n"
        "import workbench as wb\n"
        "\n"
        'NOTEBOOK = Path("04_training_notebook.ipynb")'
    ),
    md(
        "## Export, and verify\n"
        "\n"
        "The export reads the notebook and\n"
        "\n"
        "- cuts it into **steps** — from `step:<name>` cell tags if there are any, else from\n"
        "  the markdown headings (as here), else from what the code does (load, features,\n"
        "  train, evaluate);\n"
        "- finds each step's inputs and outputs (the variables that cross steps) and turns\n"
        "  the `parameters` cell into typed **parameters**;\n"
        "- drops the code that only shows something (`df.shape`, `print(...)`), telling you\n"
        "  which line (`result.warnings`);\n"
        "- writes an installable package into the project's `pipelines/<name>/`.\n"
        "\n"
        "`verify=True` then proves the package right: it runs the notebook in a fresh kernel\n"
        "(twice at once, to catch unseeded randomness) recording a fingerprint of every value\n"
        "that crosses steps, runs the package, and compares. The **verdict** is `reproduced`,\n"
        "`within tolerance`, or `diverged at step X` with the variable that differs. It takes\n"
        "about half a minute here."
    ),
    code(
        'result = wb.export_notebook(NOTEBOOK, name="breast-cancer-classifier", verify=True)\n'
        'print(f"package:     {result.path}")\n'
        'print(f"version:     {result.version}")\n'
        "print(f\"steps:       {' → '.join(result.steps)}\")\n"
        'print(f"fingerprint: {result.fingerprint[:16]}…")\n'
        'print(f"verdict:     {result.verdict}")'
    ),
    md("What the export did that you should know about, with cell and line:"),
    code('print("\\n".join(result.warnings))'),
    md(
        "## What is in the package\n"
        "\n"
        "- `src/<package>/steps/*.py`: the notebook's own code, one function per step;\n"
        "- `pipeline.py`: the steps in order; `cli.py`: `run` and `status`;\n"
        "- `params.yaml`: the parameters, editable without touching code;\n"
        "- `manifest.json`: which cell became which step, the version, the content\n"
        "  fingerprint and the golden values recorded by the verification;\n"
        "- `tests/test_reproduce.py`: the same proof, for CI (`.github/workflows/` runs it);\n"
        "- `README.md`: the steps as a diagram and how to run them; `notebook.ipynb`: the\n"
        "  notebook it came from."
    ),
    code(
        'for path in sorted(result.path.rglob("*")):\n'
        '    hidden = {"__pycache__", ".versions"} & set(path.parts)\n'
        "    if path.is_file() and not hidden:\n"
        "        print(path.relative_to(result.path))"
    ),
    code(
        'source = result.path / "src" / result.package\n'
        'manifest = json.loads((source / "manifest.json").read_text())\n'
        'print("version", manifest["version"])\n'
        'for step in manifest["steps"]:\n'
        '    print(step["name"], "cells", step["cells"], step["inputs"], "→", step["outputs"])'
    ),
    code('print((source / "steps" / "train.py").read_text())'),
    md(
        "## Run it\n"
        "\n"
        "In a terminal, from the project folder:\n"
        "\n"
        "```bash\n"
        "pip install pipelines/breast-cancer-classifier\n"
        "python -m breast_cancer_classifier run\n"
        "python -m breast_cancer_classifier run --param NUM_LEAVES=16\n"
        "python -m breast_cancer_classifier status\n"
        "```\n"
        "\n"
        "Here the cell runs the same command without installing anything, by putting the\n"
        "package's `src/` folder on `PYTHONPATH`. Each run is a tracked run (one child run per\n"
        "step) that logs the metrics and registers the trained model as a version of the\n"
        "model `breast_cancer_classifier`."
    ),
    code(
        'env = {**os.environ, "PYTHONPATH": str(result.path / "src")}\n'
        "\n"
        "\n"
        "def run_package(*args):\n"
        "    done = subprocess.run(\n"
        '        [sys.executable, "-m", result.package, *args],\n'
        "        env=env,\n"
        "        capture_output=True,\n"
        "        text=True,\n"
        "        check=True,\n"
        "    )\n"
        "    print(done.stdout)\n"
        "\n"
        "\n"
        'run_package("run")'
    ),
    md(
        "Every step is cached by the hash of its code, parameters and inputs. The run above\n"
        "reused the steps the verification had computed; change one parameter, and only the\n"
        "steps it affects run again — here `train` and `evaluate`, not the loading and the\n"
        "split."
    ),
    code('run_package("run", "--param", "NUM_LEAVES=16")'),
    md(
        "The package's runs, in the store like the notebooks' (in the `Default` experiment;\n"
        "the first one is the verification's):"
    ),
    code(
        'wb.runs(experiment="Default", filter="tags.`workbench.kind` = \'pipeline\'")[\n'
        '    ["name", "status", "params.NUM_LEAVES", "metrics.roc_auc", "metrics.accuracy"]\n'
        "]"
    ),
    md(
        "## Export again: same notebook, same version\n"
        "\n"
        "The version is semver, bumped by *what* changed in the notebook: a step's inputs or\n"
        "outputs, or a removed parameter → major; a new step or parameter → minor; code only\n"
        "→ patch. An unchanged notebook (outputs and execution counts aside) has the same\n"
        "fingerprint: nothing is written, the version stays. So\n"
        "exporting on every commit is safe — versions only move when the pipeline does."
    ),
    code(
        'again = wb.export_notebook(NOTEBOOK, name="breast-cancer-classifier", verify=False)\n'
        'print(f"version {again.version}, before: {again.previous_version}")\n'
        'print(f"changed: {again.changed}")\n'
        'print(f"same fingerprint: {again.fingerprint == result.fingerprint}")'
    ),
    md(
        "Edit the notebook — say, add a `MAX_DEPTH` parameter — and export again: version\n"
        "1.1.0, with `result.reasons` saying why. `workbench pipelines diff\n"
        "breast-cancer-classifier 1.0.0 1.1.0` shows the difference; the earlier manifests\n"
        "are kept in the package's `.versions/`. In JupyterLab, the toolbar button\n"
        "**Export as pipeline** does the same export (the command palette's *Export as\n"
        "pipeline and verify* adds the verification).\n"
        "\n"
        "## What you have now\n"
        "\n"
        "Level 1's building blocks are all there: tracked runs, a registered champion, drift\n"
        "checks, and a versioned training pipeline that provably matches its notebook.\n"
        "\n"
        "**Next: `05_retrain_with_a_gate`** — connect them: when a new batch drifts, the\n"
        "pipeline retrains on it, the new model is evaluated against the `champion`, and it\n"
        "is promoted only if it wins."
    ),
)

RETRAIN = notebook(
    md(
        "# 05 · Retrain with a gate\n"
        "\n"
        "The last step from level 0 to level 1: **continuous training**. New data arrives;\n"
        "the pipeline from `04_export_pipeline` checks it for drift, retrains on it,\n"
        "evaluates the new model *and the current `champion` on the same held-out data*, and\n"
        "promotes the new model only if it passes an **evaluation gate**. A model that is\n"
        "worse stays out of production, and the command says why.\n"
        "\n"
        "Everything below is one command in a terminal or a scheduled CI job:\n"
        "\n"
        "```bash\n"
        "workbench retrain breast-cancer-classifier --data new_batch.parquet\n"
        "```\n"
        "\n"
        "Here we call the same thing from Python: `wb.retrain(name, data)`."
    ),
    code(
        "import numpy as np\n"
        "import yaml\n"
        "from sklearn.datasets import load_breast_cancer\n"
        "\n"
        "import workbench as wb\n"
        "\n"
        'NAME = "breast-cancer-classifier"\n'
        "# Exported by 04 already? Then nothing changes; otherwise this exports it now.\n"
        'package = wb.export_notebook("04_training_notebook.ipynb", name=NAME, verify=False)\n'
        "MODEL = package.package  # the registered model is named after the package\n"
        "print(f\"{NAME} {package.version}: {' → '.join(package.steps)}\")"
    ),
    md(
        "## The gate\n"
        "\n"
        "The export wrote a default gate into the package's `params.yaml`, next to the\n"
        "parameters: compare the notebook's main metric with the champion's, and allow it to\n"
        "be at most 0.01 worse. `thresholds` adds absolute bounds (`roc_auc: {min: 0.97}`).\n"
        "Edit the file to change the gate; it is part of the pipeline's code review."
    ),
    code(
        'params = yaml.safe_load((package.path / "params.yaml").read_text())\n'
        'print(yaml.safe_dump({"gate": params["gate"]}, sort_keys=False))'
    ),
    md(
        "## New data\n"
        "\n"
        "The new data has the columns the notebook loaded, `target` included: retraining\n"
        "needs labels. Three batches stand for what arrives in real life:\n"
        "\n"
        "- `next_month`: the same kind of patients, measured again (a little noise);\n"
        "- `mislabelled`: a batch where a broken export flipped one label in five;\n"
        "- `new_scanner`: the scanner of `03_detect_drift`: lengths, areas and textures\n"
        "  read larger."
    ),
    code(
        "df = load_breast_cancer(as_frame=True).frame\n"
        'FEATURES = [c for c in df.columns if c != "target"]\n'
        "\n"
        "\n"
        "def measured_again(rows, seed, noise=0.03):\n"
        "    rng = np.random.default_rng(seed)\n"
        "    rows = rows.copy()\n"
        "    rows[FEATURES] *= rng.normal(1.0, noise, size=(len(rows), len(FEATURES)))\n"
        "    return rows\n"
        "\n"
        "\n"
        "def scanner(rows, scale=1.08, contrast=1.15):\n"
        "    rows = rows.copy()\n"
        '    rows[[c for c in FEATURES if "radius" in c or "perimeter" in c]] *= scale\n'
        '    rows[[c for c in FEATURES if "area" in c]] *= scale**2\n'
        '    rows[[c for c in FEATURES if "texture" in c]] *= contrast\n'
        "    return rows\n"
        "\n"
        "\n"
        "next_month = measured_again(df, seed=1)\n"
        "mislabelled = measured_again(df, seed=3)\n"
        "flipped = np.random.default_rng(3).random(len(mislabelled)) < 0.2\n"
        'mislabelled.loc[flipped, "target"] = 1 - mislabelled.loc[flipped, "target"]\n'
        "new_scanner = scanner(measured_again(df, seed=4))\n"
        'print(len(next_month), len(mislabelled), len(new_scanner), "rows")'
    ),
    md(
        "## Retrain on next month's data\n"
        "\n"
        "No model holds `champion` yet, so the first model that passes the thresholds\n"
        "becomes it. Read the output from the top: the drift check, the new model's\n"
        "metrics, each check of the gate, the decision."
    ),
    code(
        "first = wb.retrain(NAME, next_month, quiet=True)\n"
        "print(first.summary())\n"
        'print(f"champion: version {first.champion_after}")'
    ),
    md(
        "## The same data again\n"
        "\n"
        "Every step is cached by its code, parameters and inputs: the same data gives the\n"
        "same model version, which already holds the alias. Nothing is retrained."
    ),
    code(
        'again = wb.retrain(NAME, next_month, quiet=True)\nprint(again.decision, "-", again.reason)'
    ),
    md(
        "## A mislabelled batch\n"
        "\n"
        "The model trained on the flipped labels is evaluated on the batch's held-out rows,\n"
        "and so is the champion. The champion ranks them better, so the gate **keeps** it:\n"
        "the new version is registered (you can inspect it) but not promoted. From a\n"
        "terminal the command exits with code 3, which turns a scheduled job red."
    ),
    code(
        "kept = wb.retrain(NAME, mislabelled, quiet=True)\n"
        "print(kept.summary())\n"
        "print(f\"champion: still version {wb.models.resolve(MODEL + '@champion').version}\")"
    ),
    md(
        "## Retrain only when the data drifted\n"
        "\n"
        "A scheduled job need not retrain every night. With `only_if_drift=True`\n"
        "(`--if-drift`) it retrains only when the new data drifted from the data the\n"
        "pipeline was trained on. These 30 columns are ten measurements taken three ways, so\n"
        "a quarter of them drifting is already a broad move (see `03_detect_drift`):\n"
        "`drift_share=0.25`; `target=` tests the labels on their own, not as a feature. Next\n"
        "month's data is skipped; the new scanner's is not, and the\n"
        "model retrained on it beats the champion, which was trained on the old scanner."
    ),
    code(
        'when_drifted = dict(only_if_drift=True, drift_share=0.25, target="target", quiet=True)\n'
        "quiet_month = wb.retrain(NAME, next_month, **when_drifted)\n"
        'print(quiet_month.decision, "-", quiet_month.reason)\n'
        "\n"
        "drifted = wb.retrain(NAME, new_scanner, **when_drifted)\n"
        "print(drifted.summary())"
    ),
    md(
        "## The audit trail\n"
        "\n"
        "Every retrain is a tracked run `<package> retrain` with its decision and reason as\n"
        "tags and the gate's checks in `gate.json`; every drift check is a stored report;\n"
        "every move of `champion` is in the registry's history, with who and when."
    ),
    code(
        "retrains = wb.runs(\n"
        "    experiment=None,\n"
        "    filter=\"tags.`pipeline.mode` = 'retrain'\",\n"
        '    order_by="attributes.start_time ASC",\n'
        ")\n"
        'retrains[["start_time", "tags.retrain.decision", "tags.retrain.reason"]]'
    ),
    code('wb.models.alias_history(MODEL, "champion")[["timestamp", "action", "version", "user"]]'),
    code('wb.drift.history(MODEL)[["created_at", "drifted", "share", "n_drifted"]]'),
    md(
        "A promotion you regret is one call away from undone (`python -m <package>\n"
        "rollback` in a terminal):"
    ),
    code('back = wb.models.rollback(MODEL)\nprint(f"champion: version {back.version}")'),
    md(
        "## On a schedule\n"
        "\n"
        "The package's `.github/workflows/pipeline.yml` runs its tests on every push and,\n"
        "once a week, `python -m <package> retrain --data $RETRAIN_DATA`: set the repository\n"
        "variable `RETRAIN_DATA` to where the newest batch lands. The serving process\n"
        "(`workbench serve breast_cancer_classifier@champion`) follows the alias, so a\n"
        "promotion reaches predictions without a restart.\n"
        "\n"
        "## Level 1\n"
        "\n"
        "You now have: tracked and compared experiments, tuned models in a registry, drift\n"
        "checks over time, a versioned pipeline that provably reproduces its notebook, and\n"
        "continuous training behind an evaluation gate. The dashboard's home page\n"
        "(`workbench ui`) shows the checklist, every step done."
    ),
)

NOTEBOOKS = {
    "01_track_and_compare": TRACK,
    "02_tune_with_optuna": TUNE,
    "03_detect_drift": DRIFT,
    "04_training_notebook": TRAINING,
    "04_export_pipeline": EXPORT,
    "05_retrain_with_a_gate": RETRAIN,
}


def write(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """Write the guided notebooks into ``folder``; returns their paths."""
    written = []
    for name, nb in NOTEBOOKS.items():
        path = folder / f"{name}.ipynb"
        nbformat.write(nb, path)
        written.append(path)
    return written


def main() -> None:
    for path in write():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
