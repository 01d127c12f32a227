# %% [markdown]
# # 01 · Track and compare experiments
#
# **MLOps level 0** is a notebook and a number: you train a model, look at its score,
# change something, train again — and yesterday's number, the settings that produced
# it and the data it saw are gone. Nobody can check the claim "the boosted model is
# better", not even you next month.
#
# The first step towards **level 1** is to *record every training run*: what went in
# (parameters, data), what came out (metrics, the model). That record is what the
# later steps stand on — tuning compares hundreds of runs, the registry points at the
# run a model came from, and an exported pipeline proves it reproduces a run.
#
# The series, one notebook per step:
#
# | notebook | level 0 → 1 step |
# |---|---|
# | `01_track_and_compare` | every training run is recorded and comparable |
# | `02_tune_with_optuna` | tuning is tracked; the best model is registered as `champion` |
# | `03_detect_drift` | new data is checked against the training data |
# | `04_export_pipeline` | the notebook becomes a versioned, reproducible pipeline |
# | `05_retrain_with_a_gate` | drift triggers retraining, gated against the champion |
#
# Here you train four real models on scikit-learn's bundled breast cancer data as
# tracked runs, then list, filter and compare them.

# %% [markdown]
# ## Where the records go
#
# Into the project's store: one SQLite file, `.workbench/workbench.db`, plus the
# artifacts (models, files) next to it in `.workbench/artifacts/`. The project is the
# nearest folder upward that holds a `.workbench/` folder, else the folder the kernel
# started in (in JupyterLab: this notebook's folder). Set `WORKBENCH_HOME` to choose
# another one, or `WORKBENCH_DB_URL` to share a PostgreSQL server with your team.
# Nothing to start: no server, no account.

# %%
import workbench as wb
from workbench.store.location import project_home

print(f"This notebook records into {project_home() / '.workbench'}")

# %% [markdown]
# ## The data
#
# 569 tumours, 30 measurements each (radius, texture, concavity... of the cell
# nuclei in a scan); `target` is 1 for benign, 0 for malignant. A quarter is held out
# for the test set, stratified so both parts have the same share of malignant cases.
# Every model below is scored on the same test rows: only then are their numbers
# comparable.

# %%
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

df = load_breast_cancer(as_frame=True).frame
X = df.drop(columns="target")
y = df["target"]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=42
)
print(f"{len(X_train)} training rows, {len(X_test)} test rows, {X.shape[1]} features")

# %% [markdown]
# ## An experiment groups comparable runs
#
# Runs go to the current experiment (created on first use). Use one experiment per
# question you are answering — here: which model separates benign from malignant
# tumours best. The next notebooks use the same experiment, so everything about this
# model ends up side by side.

# %%
wb.set_experiment("breast-cancer")

# %% [markdown]
# ## A first run, logged by hand
#
# A run is a `with` block: it starts `RUNNING`, ends `FINISHED` — or `FAILED` if the
# block raises, so a crash is recorded too. Inside it, log:
#
# - **params**: the settings you chose (immutable: a run is one experiment);
# - **datasets**: a fingerprint, schema and profile of the data, not a copy — two runs
#   with the same fingerprint saw exactly the same rows;
# - **metrics**: the scores (a metric can also have a history, see below);
# - **the model**: saved in a safe format (skops for scikit-learn, LightGBM's own text
#   format), with a signature inferred from `input_example`, so it can be loaded
#   and served later without pickle.

# %%
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

with wb.start_run(name="logistic-regression", tags={"family": "linear"}) as run:
    run.log_params({"model": "LogisticRegression", "C": 1.0, "scaled": True})
    run.log_dataset(df.loc[X_train.index], name="breast-cancer", role="train")
    run.log_dataset(df.loc[X_test.index], name="breast-cancer", role="test")
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    model.fit(X_train, y_train)
    proba = model.predict_proba(X_test)[:, 1]
    run.log_metrics(
        {
            "roc_auc": roc_auc_score(y_test, proba),
            "accuracy": accuracy_score(y_test, proba > 0.5),
            "log_loss": log_loss(y_test, proba),
        }
    )
    run.log_model(model, input_example=X_train.head())
run


# %% [markdown]
# ## The same, for every model
#
# Copying that block for each model is how scores stop being comparable (one cell
# forgets the scaler, another evaluates on the training rows). One function does the
# bookkeeping; each model only says what it is.


# %%
def train_and_track(name, model, params, family):
    """Fit `model` on the training rows and record it as one run; returns the run."""
    with wb.start_run(name=name, tags={"family": family}) as run:
        run.log_params(params)
        run.log_dataset(df.loc[X_train.index], name="breast-cancer", role="train")
        run.log_dataset(df.loc[X_test.index], name="breast-cancer", role="test")
        model.fit(X_train, y_train)
        proba = model.predict_proba(X_test)[:, 1]
        run.log_metrics(
            {
                "roc_auc": roc_auc_score(y_test, proba),
                "accuracy": accuracy_score(y_test, proba > 0.5),
                "log_loss": log_loss(y_test, proba),
            }
        )
        run.log_model(model, input_example=X_train.head())
    return run


# %% [markdown]
# A random forest, and two LightGBM models: one with defaults-like settings, one
# smaller and slower-learning. `n_jobs=1` and a fixed `random_state` make each result
# repeatable on any machine.

# %%
from lightgbm import LGBMClassifier
from sklearn.ensemble import RandomForestClassifier

forest_params = {"n_estimators": 200, "max_depth": 6, "random_state": 0}
forest = train_and_track(
    "random-forest",
    RandomForestClassifier(**forest_params, n_jobs=1),
    {"model": "RandomForestClassifier", **forest_params},
    family="trees",
)

lgbm_models, lgbm_runs = {}, {}
for name, lgbm_params in {
    "lightgbm": {"n_estimators": 200, "learning_rate": 0.1, "num_leaves": 31},
    "lightgbm-small": {"n_estimators": 300, "learning_rate": 0.03, "num_leaves": 8},
}.items():
    lgbm = LGBMClassifier(**lgbm_params, random_state=0, n_jobs=1, verbose=-1)
    lgbm_models[name] = lgbm
    lgbm_runs[name] = train_and_track(
        name, lgbm, {"model": "LGBMClassifier", **lgbm_params}, family="boosting"
    )

# %% [markdown]
# ## A metric with a history
#
# `log_metric(key, value, step=...)` records a curve instead of one number: here the
# test ROC AUC of the LightGBM model as trees are added. A run can be reopened to add
# to it (`run_id=`), which is what this cell does. The points are buffered and written
# in batches, so logging thousands of them inside a training loop costs next to
# nothing.

# %%
lgbm, lgbm_run = lgbm_models["lightgbm"], lgbm_runs["lightgbm"]
with wb.start_run(run_id=lgbm_run.id) as run:
    for n_trees in range(10, lgbm.n_estimators + 1, 10):
        proba = lgbm.predict_proba(X_test, num_iteration=n_trees)[:, 1]
        run.log_metric("roc_auc_by_trees", roc_auc_score(y_test, proba), step=n_trees)

history = wb.metric_history(lgbm_run.id, "roc_auc_by_trees")
history.tail()

# %% [markdown]
# Plots are HoloViews objects (the dashboard draws the same ones). The curve flattens
# early: most of the 200 trees add little — a hint for the tuning in the next notebook.

# %%
import holoviews as hv

hv.extension("bokeh")
hv.Curve(history, "step", "value").opts(
    xlabel="trees", ylabel="test ROC AUC", width=600, title="LightGBM, test ROC AUC"
)

# %% [markdown]
# ## List the runs
#
# `wb.runs()` is a pandas DataFrame: one row per run, `params.*`, `metrics.*` (last
# values) and `tags.*` columns. Sort it in the store with `order_by`.

# %%
runs = wb.runs(order_by="metrics.roc_auc DESC")
runs[["name", "status", "metrics.roc_auc", "metrics.accuracy", "metrics.log_loss"]]

# %% [markdown]
# On this small, nearly linearly separable data the plain logistic regression holds
# its own against the boosted trees — a fact that gets lost without a record. Keep
# the scale in mind, too: one tumour more or less classified right on 143 test rows
# moves accuracy by 0.007.
#
# `filter` takes MLflow's search syntax and goes past it: `or`, parentheses, params
# compared as numbers, aggregates over a metric's history (`metrics.loss.min`). A
# mistake is reported with its position.

# %%
wb.runs(filter="metrics.roc_auc > 0.99 and tags.family = 'boosting'")[
    ["name", "params.learning_rate", "params.num_leaves", "metrics.roc_auc"]
]

# %% [markdown]
# ## Compare two runs
#
# `wb.compare_runs` puts runs side by side, one row per param, metric, tag and dataset,
# with `differs` marking what is not the same. Look at the `datasets.*` rows: equal
# fingerprints prove both models were trained and tested on the same rows — the
# comparison is fair.

# %%
best_two = runs["run_id"].head(2).tolist()
comparison = wb.compare_runs(best_two)
comparison

# %%
comparison[comparison["differs"]]

# %% [markdown]
# ## The dashboard
#
# The same records, for browsing and for a reviewer: in a terminal, from the project
# folder,
#
# ```bash
# workbench ui        # http://127.0.0.1:5006
# ```
#
# serves the dashboard: a level 0 → 1 checklist, the runs table (filter, sort, tick
# rows to compare their metric histories), studies, drift reports, models and
# pipelines. A page can also be shown right here in a cell:

# %%
wb.ui.dashboard("runs")

# %% [markdown]
# ## What you have now
#
# Four runs that anyone with the project folder can list, filter and compare, each
# with its settings, data fingerprints, scores and a loadable model. Without writing
# the logging code yourself: `wb.autolog()` at the top of a notebook records every
# scikit-learn and LightGBM `fit` as a run.
#
# **Next: `02_tune_with_optuna`** — search the model and its settings instead of
# guessing them, with every trial a tracked run, and register the best model as the
# `champion`.
