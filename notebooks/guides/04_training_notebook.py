# %% [markdown]
# # Breast cancer: the LightGBM training notebook
#
# The companion of `04_export_pipeline`: a plain level-0 notebook, with no workbench
# code in it: it trains a LightGBM classifier on the breast cancer data, as someone
# would before any MLOps, and prints its test scores. `04_export_pipeline` turns it
# into a pipeline package.
#
# Two conventions guide the export, and both are ordinary notebook habits:
#
# - the next cell is tagged `parameters` (papermill's convention; in JupyterLab: the
#   property inspector in the right sidebar): its constants become the pipeline's
#   parameters;
# - the `##` headings name the steps.

# %% tags=["parameters"]
N_ESTIMATORS = 200
LEARNING_RATE = 0.05
NUM_LEAVES = 8
MIN_CHILD_SAMPLES = 20
COLSAMPLE_BYTREE = 0.5
TEST_SIZE = 0.25
SEED = 42

# %%
from lightgbm import LGBMClassifier
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split

# %% [markdown]
# ## Load the data

# %%
df = load_breast_cancer(as_frame=True).frame
df.shape

# %% [markdown]
# ## Split
#
# The same stratified hold-out as the other notebooks of the series.

# %%
X = df.drop(columns="target")
y = df["target"]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=TEST_SIZE, stratify=y, random_state=SEED
)

# %% [markdown]
# ## Train
#
# One thread and a fixed seed: the trees do not depend on the machine, so the
# pipeline can reproduce this notebook exactly.

# %%
model = LGBMClassifier(
    n_estimators=N_ESTIMATORS,
    learning_rate=LEARNING_RATE,
    num_leaves=NUM_LEAVES,
    min_child_samples=MIN_CHILD_SAMPLES,
    colsample_bytree=COLSAMPLE_BYTREE,
    random_state=SEED,
    n_jobs=1,
    verbose=-1,
)
model.fit(X_train, y_train)

# %% [markdown]
# ## Evaluate

# %%
proba = model.predict_proba(X_test)[:, 1]
roc_auc = roc_auc_score(y_test, proba)
accuracy = accuracy_score(y_test, proba > 0.5)
print(f"ROC AUC {roc_auc:.4f}, accuracy {accuracy:.4f}")
