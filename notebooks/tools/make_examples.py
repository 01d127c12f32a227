"""Write the example notebooks in ``notebooks/examples/`` from the cell sources below.

The committed ``.ipynb`` files are what users open; this script is how they are kept
tidy: edit a notebook here, run ``python notebooks/tools/make_examples.py`` and commit
both. Notebooks are written without outputs and with stable cell ids, so a rerun that
changes nothing leaves the files unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as nbf

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def md(text: str) -> Any:
    return nbf.new_markdown_cell(text)


def code(text: str, *tags: str) -> Any:
    return nbf.new_code_cell(text, metadata={"tags": list(tags)} if tags else {})


def notebook(*cells: Any) -> Any:
    nb = nbf.new_notebook(cells=list(cells))
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for index, cell in enumerate(nb.cells, start=1):
        cell.id = f"cell-{index}"
    nbformat.validate(nb)
    return nb


CLASSIFICATION = notebook(
    md(
        "# Breast cancer: a logistic-regression baseline\n"
        "\n"
        "A first, honest baseline on the Wisconsin breast cancer data (569 tumours, 30\n"
        "measurements each, bundled with scikit-learn: nothing to download).\n"
        "\n"
        "This is an ordinary notebook — no cell tags. When you export it, workbench cuts it\n"
        "into steps at the `##` headings, turns the constants below into parameters, and drops\n"
        "the cells that only show something (`df.head()`, `print`):\n"
        "\n"
        "```bash\n"
        "workbench export notebooks/examples/classification_breast_cancer.ipynb\n"
        "pip install pipelines/classification-breast-cancer\n"
        "python -m classification_breast_cancer run --param C=0.1\n"
        "```"
    ),
    code(
        "from sklearn.datasets import load_breast_cancer\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import accuracy_score, roc_auc_score\n"
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.preprocessing import StandardScaler"
    ),
    md(
        "Settings. Plain constants like these become the pipeline's parameters\n"
        "(`params.yaml`): the exported pipeline reruns only the steps a changed value affects."
    ),
    code("SEED = 42\nTEST_SIZE = 0.25\nC = 1.0"),
    md(
        "## Load the data\n"
        "\n"
        "`as_frame=True` gives one DataFrame: the 30 features and a `target` column\n"
        "(1 = benign, 0 = malignant)."
    ),
    code("df = load_breast_cancer(as_frame=True).frame\ndf.head()"),
    code('df["target"].value_counts(normalize=True).round(3)'),
    md(
        "## Split and scale\n"
        "\n"
        "Hold out a stratified test set first, then fit the scaler on the training rows\n"
        "only, so nothing about the test set leaks into the model."
    ),
    code(
        'X = df.drop(columns="target")\n'
        'y = df["target"]\n'
        "X_train, X_test, y_train, y_test = train_test_split(\n"
        "    X, y, test_size=TEST_SIZE, stratify=y, random_state=SEED\n"
        ")\n"
        "scaler = StandardScaler()\n"
        "X_train_scaled = scaler.fit_transform(X_train)\n"
        "X_test_scaled = scaler.transform(X_test)\n"
        'print(f"{len(X_train)} training rows, {len(X_test)} test rows")'
    ),
    md(
        "## Train\n"
        "\n"
        "An L2-regularised logistic regression; `C` is the inverse of the regularisation\n"
        "strength (smaller means simpler)."
    ),
    code("model = LogisticRegression(C=C, max_iter=1000)\nmodel.fit(X_train_scaled, y_train)"),
    md(
        "## Evaluate\n"
        "\n"
        "ROC AUC on the held-out rows ranks the tumours without choosing a threshold;\n"
        "accuracy uses the default threshold of 0.5."
    ),
    code(
        "proba = model.predict_proba(X_test_scaled)[:, 1]\n"
        "roc_auc = roc_auc_score(y_test, proba)\n"
        "accuracy = accuracy_score(y_test, model.predict(X_test_scaled))\n"
        'print(f"ROC AUC {roc_auc:.4f}, accuracy {accuracy:.4f}")'
    ),
    md(
        "Next: export this notebook (the toolbar button **Export as pipeline**, or the\n"
        "command above). The package's `tests/test_reproduce.py` checks that it computes\n"
        "the same ROC AUC as this notebook."
    ),
)

REGRESSION = notebook(
    md(
        "# Diabetes progression with LightGBM\n"
        "\n"
        "442 patients, ten baseline measurements (age, sex, BMI, blood pressure and six blood\n"
        "serum values); the target is a measure of disease progression one year later.\n"
        "\n"
        "Every setting lives in the next cell, tagged `parameters` (papermill's\n"
        "convention): those values, and only those, become the exported pipeline's\n"
        "parameters. There are no section headings, so the steps come from what the code\n"
        "does: loading, preparing, training, evaluating."
    ),
    code(
        "N_ESTIMATORS = 50\n"
        "LEARNING_RATE = 0.05\n"
        "NUM_LEAVES = 4\n"
        "MIN_CHILD_SAMPLES = 20\n"
        "TEST_SIZE = 0.2\n"
        "SEED = 0",
        "parameters",
    ),
    code(
        "import pandas as pd\n"
        "from lightgbm import LGBMRegressor\n"
        "from sklearn.datasets import load_diabetes\n"
        "from sklearn.metrics import r2_score, root_mean_squared_error\n"
        "from sklearn.model_selection import train_test_split"
    ),
    md(
        "**Data.** `scaled=False` keeps the original units (age in years, BMI in kg/m²);\n"
        "trees do not need scaled inputs, and people read raw units more easily."
    ),
    code(
        "df = load_diabetes(as_frame=True, scaled=False).frame\n"
        'df.describe().T[["mean", "std", "min", "max"]]'
    ),
    md("**Hold-out split.** One fifth of the patients are kept aside for the evaluation."),
    code(
        'X = df.drop(columns="target")\n'
        'y = df["target"]\n'
        "X_train, X_test, y_train, y_test = train_test_split(\n"
        "    X, y, test_size=TEST_SIZE, random_state=SEED\n"
        ")"
    ),
    md(
        "**Model.** A small boosted ensemble: 50 shallow trees of four leaves, since there\n"
        "are only 353 training rows. One thread\n"
        "(`n_jobs=1`) makes the trees independent of the machine's core count, so the\n"
        "exported pipeline reproduces this notebook exactly anywhere."
    ),
    code(
        "model = LGBMRegressor(\n"
        "    n_estimators=N_ESTIMATORS,\n"
        "    learning_rate=LEARNING_RATE,\n"
        "    num_leaves=NUM_LEAVES,\n"
        "    min_child_samples=MIN_CHILD_SAMPLES,\n"
        "    random_state=SEED,\n"
        "    n_jobs=1,\n"
        "    verbose=-1,\n"
        ")\n"
        "model.fit(X_train, y_train)"
    ),
    md(
        "**Evaluation.** RMSE is in the target's own units; R² compares the model with\n"
        "always predicting the mean."
    ),
    code(
        "pred = model.predict(X_test)\n"
        "rmse = root_mean_squared_error(y_test, pred)\n"
        "r2 = r2_score(y_test, pred)\n"
        "importance = pd.Series(model.feature_importances_, index=X_test.columns)\n"
        'print(f"RMSE {rmse:.2f}, R² {r2:.3f}")\n'
        "importance.sort_values(ascending=False).head()"
    ),
)

WINE = notebook(
    md(
        "# Wine cultivars: one preprocessing pipeline, tagged steps\n"
        "\n"
        "178 wines from three cultivars, 13 chemical measurements each. With all 13, any\n"
        "model separates the cultivars perfectly; here the classifier gets only the cheap\n"
        "measurements (`MEASUREMENTS`) and a coarse alcohol level, which makes it a real\n"
        "problem.\n"
        "\n"
        "The model is a scikit-learn `Pipeline` whose `ColumnTransformer` scales the\n"
        "measurements and one-hot encodes the alcohol level, so the fitted model carries\n"
        "its preprocessing with it.\n"
        "\n"
        "The code cells carry tags (JupyterLab: the property inspector, right sidebar):\n"
        "`parameters` for the settings and `step:load`, `step:features`, `step:train`,\n"
        "`step:evaluate` for the steps. Tags win over headings and inferred roles, so the\n"
        "exported pipeline has exactly these four steps."
    ),
    code(
        "C = 0.5\n"
        "TEST_SIZE = 0.3\n"
        "SEED = 3\n"
        'MEASUREMENTS = ["malic_acid", "ash", "alcalinity_of_ash", "magnesium", "hue"]\n'
        "ALCOHOL_BINS = [10.0, 12.5, 13.5, 15.0]",
        "parameters",
    ),
    code(
        "import pandas as pd\n"
        "from sklearn.compose import ColumnTransformer\n"
        "from sklearn.datasets import load_wine\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import accuracy_score, f1_score\n"
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.pipeline import Pipeline\n"
        "from sklearn.preprocessing import OneHotEncoder, StandardScaler"
    ),
    md("## Load"),
    code("df = load_wine(as_frame=True).frame\ndf.head()", "step:load"),
    md(
        "## Features\n"
        "\n"
        "Bin the alcohol content into three levels, a categorical column for the encoder.\n"
        "The `ColumnTransformer` says which columns get which treatment; nothing is fitted\n"
        "yet, so the test rows cannot leak into it."
    ),
    code(
        'df["alcohol_level"] = pd.cut(\n'
        '    df["alcohol"], bins=ALCOHOL_BINS, labels=["low", "medium", "high"]\n'
        ").astype(str)\n"
        "preprocess = ColumnTransformer(\n"
        "    [\n"
        '        ("scale", StandardScaler(), MEASUREMENTS),\n'
        '        ("encode", OneHotEncoder(handle_unknown="ignore"), ["alcohol_level"]),\n'
        "    ]\n"
        ")\n"
        'X = df[[*MEASUREMENTS, "alcohol_level"]]\n'
        'y = df["target"]\n'
        "X_train, X_test, y_train, y_test = train_test_split(\n"
        "    X, y, test_size=TEST_SIZE, stratify=y, random_state=SEED\n"
        ")",
        "step:features",
    ),
    code('X_train["alcohol_level"].value_counts()'),
    md("## Train\n\nPreprocessing and classifier are fitted together, on the training rows."),
    code(
        "classifier = LogisticRegression(C=C, max_iter=1000)\n"
        'model = Pipeline([("preprocess", preprocess), ("classify", classifier)])\n'
        "model.fit(X_train, y_train)",
        "step:train",
    ),
    md(
        "## Evaluate\n"
        "\n"
        "Accuracy, and the macro-averaged F1 that weighs the three cultivars equally."
    ),
    code(
        "y_pred = model.predict(X_test)\n"
        "accuracy = accuracy_score(y_test, y_pred)\n"
        'f1_macro = f1_score(y_test, y_pred, average="macro")\n'
        'print(f"accuracy {accuracy:.4f}, macro F1 {f1_macro:.4f}")',
        "step:evaluate",
    ),
)

NOTEBOOKS = {
    "classification_breast_cancer": CLASSIFICATION,
    "regression_diabetes_lightgbm": REGRESSION,
    "wine_pipeline_tagged": WINE,
}


def main() -> None:
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    for name, nb in NOTEBOOKS.items():
        nbformat.write(nb, EXAMPLES / f"{name}.ipynb")
        print(f"wrote {EXAMPLES / name}.ipynb")


if __name__ == "__main__":
    main()
