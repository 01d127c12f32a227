# %% [markdown]
# # 02 · Tune with Optuna, keep every trial
#
# In notebook 01 the settings were guesses, and the ranking of four models on 143
# test rows is partly luck. Tuning replaces guessing with a search — and at level 0
# it is also where results get lost: a loop prints a best score, and the model that
# produced it is never saved.
#
# `wb.tune` runs an [Optuna](https://optuna.org) study whose **every trial is a tracked
# run** (its params, metrics and model, under one *study* run). Then the best trial's
# model goes into the **model registry** as a numbered version, and the alias
# `champion` points at it. From here on, "the model in production" is not a file on
# someone's laptop but `breast-cancer@champion`: a name anyone can load, serve, or —
# in notebook 05 — challenge with a retrained model.

# %%
import optuna
from lightgbm import LGBMClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import workbench as wb

wb.set_experiment("breast-cancer")

# %% [markdown]
# ## Score on the training rows only
#
# The same split as notebook 01 (same seed, so the same test rows). Trials are scored
# by 3-fold **cross-validation on the training rows**; the test rows stay untouched
# until the very end. Picking the best of many trials by their test score would make
# that score optimistic — the search would have fitted the test set.

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
folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)


# %% [markdown]
# ## The objective: which model, and which settings
#
# An ordinary Optuna objective: ask the `trial` for settings, train, return the score.
# The model family is a setting too: the search decides between notebook 01's
# logistic regression and LightGBM, each with its own parameters (Optuna's
# *conditional* search space).
#
# Inside the objective, `wb.log_metrics` and `wb.log_model` land in the trial's own
# run; the trial's params are recorded for you. Log the model in every trial: you do
# not know in advance which one will be best, and a model is a few kilobytes.


# %%
def breast_cancer_auc(trial):
    family = trial.suggest_categorical("family", ["logistic", "lightgbm"])
    if family == "logistic":
        C = trial.suggest_float("C", 1e-3, 1e2, log=True)
        model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))
    else:
        model = LGBMClassifier(
            n_estimators=trial.suggest_int("n_estimators", 25, 200, log=True),
            learning_rate=trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
            num_leaves=trial.suggest_int("num_leaves", 4, 32, log=True),
            min_child_samples=trial.suggest_int("min_child_samples", 5, 50),
            random_state=0,
            n_jobs=1,
            verbose=-1,
        )
    scores = cross_val_score(model, X_train, y_train, cv=folds, scoring="roc_auc")
    wb.log_metrics({"cv_roc_auc": scores.mean(), "cv_roc_auc_std": scores.std()})
    model.fit(X_train, y_train)
    wb.log_model(model, input_example=X_train.head())
    return scores.mean()


# %% [markdown]
# ## Run the study
#
# - `n_trials=20` keeps this notebook short; real searches use a few hundred, or
#   `timeout=` seconds.
# - `n_jobs=2` runs two worker *processes* on the same study (not threads: no
#   interpreter lock, and no "database is locked" either).
# - A seeded sampler makes the suggestions repeatable (exactly so with `n_jobs=1`).
# - The study is stored next to the runs under `name`: run this cell again,
#   or after a kernel restart, and it *continues* the same study with 20 more trials.
#   Choose a new name to start afresh.

# %%
result = wb.tune(
    breast_cancer_auc,
    n_trials=20,
    n_jobs=2,
    direction="maximize",
    name="breast-cancer/model-search",
    sampler=optuna.samplers.TPESampler(seed=0),
)
result

# %% [markdown]
# ## The best trial
#
# `best_params`, `best_value` and `best_run_id` — the tracked run that holds this
# trial's model. `result.trials` lists every trial with its run id.

# %%
print(f"best cross-validated ROC AUC: {result.best_value:.4f}")
print(f"best run: {result.best_run_id}")
result.best_params

# %%
result.trials.sort_values("value", ascending=False).head()[
    ["number", "value", "params_family", "params_C", "params_num_leaves", "run_id"]
]

# %% [markdown]
# The trials are runs like any other, in the same experiment as notebook 01's models:
# `wb.runs` finds them by the tag the study puts on them. `cv_roc_auc_std` says how
# much the score moved between folds — differences smaller than that are noise.

# %%
trials = wb.runs(
    filter="tags.`optuna.study` = 'breast-cancer/model-search'",
    order_by="metrics.cv_roc_auc DESC",
)
trials[["name", "params.family", "metrics.cv_roc_auc", "metrics.cv_roc_auc_std"]].head()

# %% [markdown]
# ## What the study says
#
# The study's plots (HoloViews, the same ones the dashboard's `/studies` page shows):
#
# - **history**: each trial's value and the best so far — still climbing at the end
#   means more trials would pay;
# - **slices**: the score against each setting — which family wins, and where in each
#   range the good trials lie (a best value at the edge of a range: widen the range);
# - **importances** and **parallel coordinates**: which settings moved the score.
#
# `result.plots.all()` gives every plot that has something to show, in one layout.

# %%
import holoviews as hv

hv.extension("bokeh")
result.plots.history()

# %%
result.plots.slice("family") + result.plots.slice("C")

# %% [markdown]
# ## Register the best model, make it the champion
#
# `register_best` adds the best trial's model to the registry as the next version of
# `breast-cancer`, linked to its run, its training data fingerprint and its metrics.
# `promote` points the alias `champion` at that version; every move of an alias is
# kept, so `wb.models.rollback` can undo it.

# %%
version = result.register_best("breast-cancer")
wb.models.promote("breast-cancer", version=version.version, alias="champion")
wb.models.versions("breast-cancer")[["name", "version", "aliases", "flavor", "run_id"]]

# %% [markdown]
# ## The champion, as anyone will load it
#
# By name and alias — no path, and no pickle: the model comes back from skops or
# LightGBM's text format after its sha256 was checked. Now, once, the test rows: this
# is the score to report, because no decision above looked at them.

# %%
champion = wb.models.load("breast-cancer@champion")
test_auc = roc_auc_score(y_test, champion.predict_proba(X_test)[:, 1])
print(f"champion: test ROC AUC {test_auc:.4f}")
champion

# %% [markdown]
# From a terminal, the same model answers over HTTP, following the alias when it
# moves:
#
# ```bash
# workbench serve breast-cancer@champion --port 8000
# ```
#
# In the dashboard (`workbench ui`): `/studies` for the study, `/models` for the
# versions, the alias and its history.
#
# **Next: `03_detect_drift`** — the champion learned from one set of patients and one
# scanner; how do you know when new data no longer looks like that?
