"""Unsupervised models (clusterers, mixtures, outlier detectors) are trained models: the
step that fits them is a training step and keeps the model and its labels as results, so
the package records them and the verification compares them with the notebook's."""

from __future__ import annotations

from typing import Any

from nbformat import v4 as nbf

from workbench.pipelines.analysis import NotebookPlan, analyze_notebook

IMPORTS = (
    "from sklearn.datasets import load_iris\n"
    "from sklearn.cluster import KMeans\n"
    "from sklearn.mixture import GaussianMixture\n"
    "from sklearn.ensemble import IsolationForest\n"
    "from sklearn.neighbors import LocalOutlierFactor\n"
    "from sklearn.pipeline import make_pipeline\n"
    "from sklearn.preprocessing import StandardScaler\n"
    "import pandas as pd"
)
LOAD = "X = load_iris().data"


def notebook(*cells: str) -> Any:
    """Code cells from strings; a string starting with ``#`` is a markdown heading."""
    built = [nbf.new_markdown_cell(c) if c.startswith("#") else nbf.new_code_cell(c) for c in cells]
    return nbf.new_notebook(cells=built)


def steps(plan: NotebookPlan) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    return [(s.name, s.role, s.inputs, s.outputs) for s in plan.steps]


def test_kmeans_fit_predict_is_a_training_step_whose_model_and_labels_are_results() -> None:
    plan = analyze_notebook(
        notebook(
            "from sklearn.datasets import load_iris\nfrom sklearn.cluster import KMeans\n"
            "X = load_iris().data",
            "# Clusters",
            "km = KMeans(3)\nlabels = km.fit_predict(X)",
        )
    )
    assert steps(plan) == [
        ("load", "load", (), ("X",)),
        ("train", "train", ("X",), ("km", "labels")),
    ]


def test_fit_without_a_target_trains_an_unsupervised_estimator() -> None:
    plan = analyze_notebook(
        notebook(
            IMPORTS,
            LOAD,
            "gm = GaussianMixture(n_components=2, random_state=0)\ngm.fit(X)\n"
            "iso = IsolationForest(random_state=0).fit(X)",
        )
    )
    assert steps(plan) == [
        ("load", "load", (), ("X",)),
        ("train", "train", ("X",), ("gm", "iso")),
    ]


def test_fit_without_a_target_on_a_transformer_is_still_feature_work() -> None:
    plan = analyze_notebook(
        notebook(
            IMPORTS,
            LOAD,
            "scaler = StandardScaler()\nscaler.fit(X)\nX_scaled = scaler.transform(X)",
            "outliers = LocalOutlierFactor(n_neighbors=10).fit_predict(X_scaled)",
        )
    )
    assert steps(plan) == [
        ("load", "load", (), ("X",)),
        ("features", "features", ("X",), ("X_scaled",)),
        ("train", "train", ("X_scaled",), ("outliers",)),
    ]


def test_a_pipeline_ending_in_a_clusterer_is_a_model() -> None:
    plan = analyze_notebook(
        notebook(
            IMPORTS,
            LOAD,
            "pipe = make_pipeline(StandardScaler(), KMeans(n_clusters=3, random_state=0))\n"
            "pipe.fit(X)",
        )
    )
    assert steps(plan) == [
        ("load", "load", (), ("X",)),
        ("train", "train", ("X",), ("pipe",)),
    ]


def test_a_column_of_cluster_labels_makes_the_frame_a_result() -> None:
    plan = analyze_notebook(
        notebook(
            IMPORTS,
            "df = pd.DataFrame(load_iris().data)",
            "df['cluster'] = KMeans(n_clusters=3, random_state=0).fit_predict(df)",
        )
    )
    assert steps(plan) == [
        ("load", "load", (), ("df",)),
        ("train", "train", ("df",), ("df",)),
    ]
    assert plan.step("train").mutated == ("df",)


def test_the_kmeans_exercise_records_labels_and_the_elbow_loop_model() -> None:
    """The shape of a tutorial notebook: an unseeded KMeans whose labels become a column,
    then an elbow loop refitting the model for k = 1..9."""
    plan = analyze_notebook(
        notebook(
            IMPORTS,
            "iris = load_iris()",
            "df = pd.DataFrame(iris.data, columns=iris.feature_names)\ndf.head()",
            "df.drop(['sepal length (cm)', 'sepal width (cm)'], axis='columns', inplace=True)",
            "km = KMeans(n_clusters=3)\nyp = km.fit_predict(df)\nyp",
            "df['cluster'] = yp\ndf.head(2)",
            "sse = []\nfor k in range(1, 10):\n    km = KMeans(n_clusters=k)\n    km.fit(df)\n"
            "    sse.append(km.inertia_)",
        )
    )
    assert steps(plan) == [
        ("load", "load", (), ("iris",)),
        ("features", "features", ("iris",), ("df",)),
        ("train", "train", ("df",), ("km", "yp")),
        ("features_2", "features", ("df", "yp"), ("df",)),
        ("train_2", "train", ("df", "km"), ("km",)),
    ]
