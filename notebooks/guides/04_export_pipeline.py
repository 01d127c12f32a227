# %% [markdown]
# # 04 · Export the notebook as a pipeline
#
# Notebooks 01–03 made the *results* trustworthy: every run recorded, the best model
# registered, new data checked. The training itself is still a notebook: cells run
# in whatever order someone clicked, state hidden in the kernel, nothing a scheduler
# can call when drift says "retrain". That is the heart of level 0.
#
# Level 1 needs the training as a **pipeline**: steps with explicit inputs and
# outputs, parameters you can set from outside, a version, and a proof that it
# computes what the notebook computed. Rewriting a notebook by hand into such a thing
# takes days and drifts from the notebook the day after. `wb.export_notebook` does it
# from the notebook itself, and can be repeated whenever the notebook changes.
#
# The notebook to export is the companion **`04_training_notebook.ipynb`**, a plain
# LightGBM training notebook without any workbench code. Open it first: a parameters
# cell, four `##` headings, a few display cells.

# %%
import json
import os
import subprocess
import sys
from pathlib import Path

import workbench as wb

NOTEBOOK = Path("04_training_notebook.ipynb")

# %% [markdown]
# ## Export, and verify
#
# The export reads the notebook and
#
# - cuts it into **steps** — from `step:<name>` cell tags if there are any, else from
#   the markdown headings (as here), else from what the code does (load, features,
#   train, evaluate);
# - finds each step's inputs and outputs (the variables that cross steps) and turns
#   the `parameters` cell into typed **parameters**;
# - drops the code that only shows something (`df.shape`, `print(...)`), telling you
#   which line (`result.warnings`);
# - writes an installable package into the project's `pipelines/<name>/`.
#
# `verify=True` then proves the package right: it runs the notebook in a fresh kernel
# (twice at once, to catch unseeded randomness) recording a fingerprint of every value
# that crosses steps, runs the package, and compares. The **verdict** is `reproduced`,
# `within tolerance`, or `diverged at step X` with the variable that differs. It takes
# about half a minute here.

# %%
result = wb.export_notebook(NOTEBOOK, name="breast-cancer-classifier", verify=True)
print(f"package:     {result.path}")
print(f"version:     {result.version}")
print(f"steps:       {' → '.join(result.steps)}")
print(f"fingerprint: {result.fingerprint[:16]}…")
print(f"verdict:     {result.verdict}")

# %% [markdown]
# What the export did that you should know about, with cell and line:

# %%
print("\n".join(result.warnings))

# %% [markdown]
# ## What is in the package
#
# - `src/<package>/steps/*.py`: the notebook's own code, one function per step;
# - `pipeline.py`: the steps in order; `cli.py`: `run` and `status`;
# - `params.yaml`: the parameters, editable without touching code;
# - `manifest.json`: which cell became which step, the version, the content
#   fingerprint and the golden values recorded by the verification;
# - `tests/test_reproduce.py`: the same proof, for CI (`.github/workflows/` runs it);
# - `README.md`: the steps as a diagram and how to run them; `notebook.ipynb`: the
#   notebook it came from.

# %%
for path in sorted(result.path.rglob("*")):
    hidden = {"__pycache__", ".versions"} & set(path.parts)
    if path.is_file() and not hidden:
        print(path.relative_to(result.path))

# %%
source = result.path / "src" / result.package
manifest = json.loads((source / "manifest.json").read_text())
print("version", manifest["version"])
for step in manifest["steps"]:
    print(step["name"], "cells", step["cells"], step["inputs"], "→", step["outputs"])

# %%
print((source / "steps" / "train.py").read_text())

# %% [markdown]
# ## Run it
#
# In a terminal, from the project folder:
#
# ```bash
# pip install pipelines/breast-cancer-classifier
# python -m breast_cancer_classifier run
# python -m breast_cancer_classifier run --param NUM_LEAVES=16
# python -m breast_cancer_classifier status
# ```
#
# Here the cell runs the same command without installing anything, by putting the
# package's `src/` folder on `PYTHONPATH`. Each run is a tracked run (one child run per
# step) that logs the metrics and registers the trained model as a version of the
# model `breast_cancer_classifier`.

# %%
env = {**os.environ, "PYTHONPATH": str(result.path / "src")}


def run_package(*args):
    done = subprocess.run(
        [sys.executable, "-m", result.package, *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    print(done.stdout)


run_package("run")

# %% [markdown]
# Every step is cached by the hash of its code, parameters and inputs. The run above
# reused the steps the verification had computed; change one parameter, and only the
# steps it affects run again — here `train` and `evaluate`, not the loading and the
# split.

# %%
run_package("run", "--param", "NUM_LEAVES=16")

# %% [markdown]
# The package's runs, in the store like the notebooks' (in the `Default` experiment;
# the first one is the verification's):

# %%
wb.runs(experiment="Default", filter="tags.`workbench.kind` = 'pipeline'")[
    ["name", "status", "params.NUM_LEAVES", "metrics.roc_auc", "metrics.accuracy"]
]

# %% [markdown]
# ## Export again: same notebook, same version
#
# The version is semver, bumped by *what* changed in the notebook: a step's inputs or
# outputs, or a removed parameter → major; a new step or parameter → minor; code only
# → patch. An unchanged notebook (outputs and execution counts aside) has the same
# fingerprint: nothing is written, the version stays. So
# exporting on every commit is safe — versions only move when the pipeline does.

# %%
again = wb.export_notebook(NOTEBOOK, name="breast-cancer-classifier", verify=False)
print(f"version {again.version}, before: {again.previous_version}")
print(f"changed: {again.changed}")
print(f"same fingerprint: {again.fingerprint == result.fingerprint}")

# %% [markdown]
# Edit the notebook — say, add a `MAX_DEPTH` parameter — and export again: version
# 1.1.0, with `result.reasons` saying why. `workbench pipelines diff
# breast-cancer-classifier 1.0.0 1.1.0` shows the difference; the earlier manifests
# are kept in the package's `.versions/`. In JupyterLab, the toolbar button
# **Export as pipeline** does the same export (the command palette's *Export as
# pipeline and verify* adds the verification).
#
# ## What you have now
#
# Level 1's building blocks are all there: tracked runs, a registered champion, drift
# checks, and a versioned training pipeline that provably matches its notebook.
#
# **Next: `05_retrain_with_a_gate`** — connect them: when a new batch drifts, the
# pipeline retrains on it, the new model is evaluated against the `champion`, and it
# is promoted only if it wins.
