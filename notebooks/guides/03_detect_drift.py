# %% [markdown]
# # 03 · Detect drift
#
# At level 0 a model is trained once and then trusted. But the world it predicts
# moves: a hospital replaces a scanner, a screening programme changes who gets
# scanned. The model keeps answering — confidently, and more and more wrong — and
# nothing tells you, because the true labels (here: biopsy results) arrive weeks
# later, if ever.
#
# What you *can* watch at once is the inputs. **Drift detection** compares new data
# with the data the model learned from, column by column, with a statistical test,
# and gives a verdict for the whole batch. At level 1 that check runs on every new
# batch, its reports are stored, and a drifted batch is what triggers retraining
# (notebook 05).

# %%
import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import workbench as wb

# %% [markdown]
# ## Reference and current data
#
# The **reference** is what the model was trained on: 60 % of the breast cancer data.
# The other 40 % stands in for the future — patients the model has not seen yet.

# %%
df = load_breast_cancer(as_frame=True).frame
reference, held_out = train_test_split(df, test_size=0.4, stratify=df["target"], random_state=0)
print(f"reference: {len(reference)} rows, held out: {len(held_out)} rows")

# %% [markdown]
# ## A realistic shift
#
# Unchanged held-out rows would (rightly) show no drift. Two things that happen to
# real screening programmes turn them into a believable future:
#
# 1. **A new scanner.** Its software calibrates the pixel size differently: every
#    length (radius, perimeter) comes out 8 % larger, every area 1.08² ≈ 17 % larger;
#    and its sharper contrast raises the texture (the spread of grey levels) by 15 %.
#    The patients are the same; the numbers are not.
# 2. **A screening programme** finds tumours earlier: the new patients' tumours are
#    smaller, and more of them are benign. The population changed, the target too.

# %%
LENGTHS = [c for c in df.columns if "radius" in c or "perimeter" in c]
AREAS = [c for c in df.columns if "area" in c]
TEXTURES = [c for c in df.columns if "texture" in c]


def new_scanner(rows, scale=1.08, contrast=1.15):
    """The same patients, measured with smaller pixels and a sharper contrast."""
    rows = rows.copy()
    rows[LENGTHS] *= scale
    rows[AREAS] *= scale**2
    rows[TEXTURES] *= contrast
    return rows


def screening(rows, seed=0):
    """The patients an early-screening programme sees: small tumours are likelier."""
    rng = np.random.default_rng(seed)
    chance = 1 / (1 + np.exp((rows["mean radius"] - 13) / 1.5))
    return rows[rng.random(len(rows)) < chance]


current = screening(new_scanner(held_out))
print(f"current: {len(current)} rows")
pd.DataFrame({"reference": reference.mean(), "current": current.mean()}).head(4)

# %% [markdown]
# ## Compare
#
# `wb.drift.compare` picks a test per column from its type and the sample sizes, the
# way Evidently does: Kolmogorov–Smirnov for numbers and chi-square for categories on
# small data, Wasserstein or Jensen–Shannon distances on large data (a test on
# 100,000 rows calls every tiny difference significant). `target=` names the target
# column, which is tested on its own instead of as a feature.
#
# The batch **drifted** when at least `drift_share` of the feature columns did. The
# default, half, suits unrelated columns; these 30 are ten measurements taken three
# ways (mean, error, worst) and radius, perimeter and area are one size measured
# three times, so a quarter of them is already a broad move. Choose it per model,
# once, and keep it: that is what makes verdicts comparable over time.

# %%
DRIFT_SHARE = 0.25

report = wb.drift.compare(reference, current, target="target", drift_share=DRIFT_SHARE)
report

# %% [markdown]
# ### Which columns, how much
#
# One row per column: the test, its statistic, the p-value and the threshold it is
# compared with (a column drifts when p < 0.05). Both changes moved the size columns;
# the screening also moved the shape columns that go with size, such as concavity.
# Two changes can also hide each other: smaller tumours have less texture, the new
# scanner shows more.

# %%
table = report.to_frame()
table[table["drifted"]][["column", "test", "statistic", "p_value", "threshold"]]

# %% [markdown]
# The target drifted too: more benign cases than in training. A model's
# probabilities carry the base rate it learned, so they are off for this population
# even where its ranking is still good.

# %%
target = report.target_drift
print(f"target: {target.test} test, p-value {target.p_value:.2g}")
print(f"benign share in the reference: {reference.target.mean():.2f}")
print(f"benign share in the current data: {current.target.mean():.2f}")

# %% [markdown]
# ### The picture
#
# `report.plot()`: each column's drift score against its threshold, then the reference
# and current distributions, drifted columns first. Look at `mean area`: the scanner
# stretches it by 17 %, the screening squeezes it towards small tumours — and the
# screening wins.

# %%
import holoviews as hv

hv.extension("bokeh")
report.plot()

# %% [markdown]
# `save_html` writes the same report as one small standalone file (inline SVG, no
# scripts) to attach to a ticket or an e-mail.

# %%
report.save_html("drift_report.html")

# %% [markdown]
# ## Read the columns, not only the verdict
#
# The new scanner alone, on the very same patients, moves a dozen columns. Under the
# default `drift_share=0.5` that batch would pass as *no drift* — yet every size the
# model reads is now 8 % off. A verdict is a summary; for a model that hinges on a
# few columns, also watch those (`columns=[...]` restricts the check to them).

# %%
scanner_only = wb.drift.compare(reference, new_scanner(held_out), target="target")
print("default drift_share:", scanner_only)
print("drifted columns:", [c.column for c in scanner_only.features if c.drifted])

# %% [markdown]
# ## Over time: store a report for every batch
#
# Monitoring is this check on every new batch, with the reports kept. Six weekly
# batches: three ordinary weeks, then the new scanner arrives (week 4), then the
# screening programme starts (weeks 5 and 6). `report.log(dataset=...)` stores each
# report in the tracking store under a dataset name. (Inside `wb.start_run()` it
# is also linked to that run, with `drift/share` as a metric.)
#
# An ordinary week may flag a column or two: with 30 tests at the 5 % level, some
# false alarms are expected. That is why the verdict looks at the share of columns.

# %%
weeks = []
for week in range(1, 7):
    batch = held_out.sample(n=80, random_state=week) if week < 5 else held_out
    if week >= 4:
        batch = new_scanner(batch)
    if week >= 5:
        batch = screening(batch, seed=week)
    weekly = wb.drift.compare(reference, batch, target="target", drift_share=DRIFT_SHARE)
    weekly.log(dataset="breast-cancer")
    monday = pd.Timestamp("2025-03-03") + pd.Timedelta(weeks=week - 1)
    weeks.append(batch.assign(scanned_at=monday))
    print(f"week {week}: {weekly}")

# %% [markdown]
# `wb.drift.history` reads them back, newest first: when, the verdict, the share of
# drifted columns and the fingerprints of both datasets. The dashboard's `/drift`
# page draws the same history per dataset; `wb.drift.get_report(id)` reopens one
# report with its plots.

# %%
history = wb.drift.history(dataset="breast-cancer")
history[["id", "created_at", "drifted", "share", "n_drifted", "n_columns"]]

# %%
latest = wb.drift.get_report(int(history["id"].iloc[0]))
latest

# %% [markdown]
# ### Or one report with windows
#
# When the new data carries a timestamp, one call can cut it into windows and say
# *when* the drift started: `time_column=` and `window="7D"` (or a row count).

# %%
month = pd.concat(weeks)
windowed = wb.drift.compare(
    reference,
    month,
    target="target",
    drift_share=DRIFT_SHARE,
    time_column="scanned_at",
    window="7D",
)
by_window = windowed.windows_frame().groupby("start")
by_window[["rows", "share", "dataset_drifted"]].first()

# %% [markdown]
# ## What you have now
#
# A check you can run on any new batch, reports kept over time next to the runs and
# models, and a dashboard page for them. Outside a notebook, the same check is one
# command that exits with status 1 on drift — ready for cron or CI:
#
# ```bash
# workbench drift reference.parquet current.parquet --target target \
#     --drift-share 0.25 --log breast-cancer --html drift.html
# ```
#
# **Next: `04_export_pipeline`** — retraining on new data needs the training to be
# something a machine can rerun: a pipeline, not a notebook.
