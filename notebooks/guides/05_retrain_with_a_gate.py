# %% [markdown]
# # 05 · Retrain with a gate
#
# The last step from level 0 to level 1: **continuous training**. New data arrives;
# the pipeline from `04_export_pipeline` checks it for drift, retrains on it,
# evaluates the new model *and the current `champion` on the same held-out data*, and
# promotes the new model only if it passes an **evaluation gate**. A model that is
# worse stays out of production, and the command says why.
#
# Everything below is one command in a terminal or a scheduled CI job:
#
# ```bash
# workbench retrain breast-cancer-classifier --data new_batch.parquet
# ```
#
# Here we call the same thing from Python: `wb.retrain(name, data)`.

# %%
import numpy as np
import yaml
from sklearn.datasets import load_breast_cancer

import workbench as wb

NAME = "breast-cancer-classifier"
# Exported by 04 already? Then nothing changes; otherwise this exports it now.
package = wb.export_notebook("04_training_notebook.ipynb", name=NAME, verify=False)
MODEL = package.package  # the registered model is named after the package
print(f"{NAME} {package.version}: {' → '.join(package.steps)}")

# %% [markdown]
# ## The gate
#
# The export wrote a default gate into the package's `params.yaml`, next to the
# parameters: compare the notebook's main metric with the champion's, and allow it to
# be at most 0.01 worse. `thresholds` adds absolute bounds (`roc_auc: {min: 0.97}`).
# Edit the file to change the gate; it is part of the pipeline's code review.

# %%
params = yaml.safe_load((package.path / "params.yaml").read_text())
print(yaml.safe_dump({"gate": params["gate"]}, sort_keys=False))

# %% [markdown]
# ## New data
#
# The new data has the columns the notebook loaded, `target` included: retraining
# needs labels. Three batches stand for what arrives in real life:
#
# - `next_month`: the same kind of patients, measured again (a little noise);
# - `mislabelled`: a batch where a broken export flipped one label in five;
# - `new_scanner`: the scanner of `03_detect_drift`: lengths, areas and textures
#   read larger.

# %%
df = load_breast_cancer(as_frame=True).frame
FEATURES = [c for c in df.columns if c != "target"]


def measured_again(rows, seed, noise=0.03):
    rng = np.random.default_rng(seed)
    rows = rows.copy()
    rows[FEATURES] *= rng.normal(1.0, noise, size=(len(rows), len(FEATURES)))
    return rows


def scanner(rows, scale=1.08, contrast=1.15):
    rows = rows.copy()
    rows[[c for c in FEATURES if "radius" in c or "perimeter" in c]] *= scale
    rows[[c for c in FEATURES if "area" in c]] *= scale**2
    rows[[c for c in FEATURES if "texture" in c]] *= contrast
    return rows


next_month = measured_again(df, seed=1)
mislabelled = measured_again(df, seed=3)
flipped = np.random.default_rng(3).random(len(mislabelled)) < 0.2
mislabelled.loc[flipped, "target"] = 1 - mislabelled.loc[flipped, "target"]
new_scanner = scanner(measured_again(df, seed=4))
print(len(next_month), len(mislabelled), len(new_scanner), "rows")

# %% [markdown]
# ## Retrain on next month's data
#
# No model holds `champion` yet, so the first model that passes the thresholds
# becomes it. Read the output from the top: the drift check, the new model's
# metrics, each check of the gate, the decision.

# %%
first = wb.retrain(NAME, next_month, show_progress=False)
print(first.summary())
print(f"champion: version {first.champion_after}")

# %% [markdown]
# ## The same data again
#
# Every step is cached by its code, parameters and inputs: the same data gives the
# same model version, which already holds the alias. Nothing is retrained.

# %%
again = wb.retrain(NAME, next_month, show_progress=False)
print(again.decision, "-", again.reason)

# %% [markdown]
# ## A mislabelled batch
#
# The model trained on the flipped labels is evaluated on the batch's held-out rows,
# and so is the champion. The champion ranks them better, so the gate **keeps** it:
# the new version is registered (you can inspect it) but not promoted. From a
# terminal the command exits with code 3, which turns a scheduled job red.

# %%
kept = wb.retrain(NAME, mislabelled, show_progress=False)
print(kept.summary())
print(f"champion: still version {wb.models.resolve(MODEL + '@champion').version}")

# %% [markdown]
# ## Retrain only when the data drifted
#
# A scheduled job need not retrain every night. With `only_if_drift=True`
# (`--if-drift`) it retrains only when the new data drifted from the data the
# pipeline was trained on. These 30 columns are ten measurements taken three ways, so
# a quarter of them drifting is already a broad move (see `03_detect_drift`):
# `drift_share=0.25`; `target=` tests the labels on their own, not as a feature. Next
# month's data is skipped; the new scanner's is not, and the
# model retrained on it beats the champion, which was trained on the old scanner.

# %%
when_drifted = dict(only_if_drift=True, drift_share=0.25, target="target", show_progress=False)
quiet_month = wb.retrain(NAME, next_month, **when_drifted)
print(quiet_month.decision, "-", quiet_month.reason)

drifted = wb.retrain(NAME, new_scanner, **when_drifted)
print(drifted.summary())

# %% [markdown]
# ## The audit trail
#
# Every retrain is a tracked run `<package> retrain` with its decision and reason as
# tags and the gate's checks in `gate.json`; every drift check is a stored report;
# every move of `champion` is in the registry's history, with who and when.

# %%
retrains = wb.runs(
    experiment=None,
    filter="tags.`pipeline.mode` = 'retrain'",
    order_by="attributes.start_time ASC",
)
retrains[["start_time", "tags.retrain.decision", "tags.retrain.reason"]]

# %%
wb.models.alias_history(MODEL, "champion")[["timestamp", "action", "version", "user"]]

# %%
wb.drift.history(MODEL)[["created_at", "drifted", "share", "n_drifted"]]

# %% [markdown]
# A promotion you regret is one call away from undone (`python -m <package>
# rollback` in a terminal):

# %%
back = wb.models.rollback(MODEL)
print(f"champion: version {back.version}")

# %% [markdown]
# ## On a schedule
#
# The package's `.github/workflows/pipeline.yml` runs its tests on every push and,
# once a week, `python -m <package> retrain --data $RETRAIN_DATA`: set the repository
# variable `RETRAIN_DATA` to where the newest batch lands. The serving process
# (`workbench serve breast_cancer_classifier@champion`) follows the alias, so a
# promotion reaches predictions without a restart.
#
# ## Level 1
#
# You now have: tracked and compared experiments, tuned models in a registry, drift
# checks over time, a versioned pipeline that provably reproduces its notebook, and
# continuous training behind an evaluation gate. The dashboard's home page
# (`workbench ui`) shows the checklist, every step done.
