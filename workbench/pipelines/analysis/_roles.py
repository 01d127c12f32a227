"""What a statement is for: loading data, training, evaluating, or only showing something.

The rules look at call names only (no imports resolved), so they are heuristics; the
documented precedence is train > evaluate > load > features. ``fit(X, y)`` trains;
``fit(X)`` alone fits a transformer unless the estimator is unsupervised (a clusterer,
a mixture, an outlier detector: ``UNSUPERVISED_MODELS``), known by its constructor's name
where the notebook calls it; ``fit_predict`` always trains.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from workbench.pipelines.analysis._defuse import MUTATING_METHODS, SHUFFLES, has_inplace, root_name

ROLES = ("load", "features", "train", "evaluate")
_PRIORITY = ("train", "evaluate", "load")

_LOAD_PREFIXES = ("read_", "load_", "fetch_")
_LOAD_NAMES = frozenset(
    {
        "loadtxt", "genfromtxt", "make_classification", "make_regression", "make_blobs",
        "make_moons", "make_circles", "make_friedman1", "make_friedman2", "make_friedman3",
        "make_s_curve", "make_swiss_roll", "make_multilabel_classification",
        "make_hastie_10_2", "make_sparse_uncorrelated",
    }
)  # fmt: skip
_TRAIN_NAMES = frozenset(
    {"cross_val_score", "cross_validate", "cross_val_predict", "learning_curve",
     "validation_curve", "partial_fit", "tune", "optimize"}
)  # fmt: skip
# Estimators that learn from X alone and are models, not transformers.
UNSUPERVISED_MODELS = frozenset(
    {"KMeans", "MiniBatchKMeans", "BisectingKMeans", "DBSCAN", "HDBSCAN", "OPTICS",
     "AgglomerativeClustering", "SpectralClustering", "SpectralBiclustering",
     "SpectralCoclustering", "MeanShift", "AffinityPropagation", "Birch", "KMedoids",
     "KModes", "KPrototypes", "GaussianMixture", "BayesianGaussianMixture",
     "LocalOutlierFactor", "IsolationForest", "OneClassSVM", "SGDOneClassSVM",
     "EllipticEnvelope"}
)  # fmt: skip
_TRAIN_MODULES = frozenset({"lgb", "lightgbm", "xgb", "xgboost", "catboost", "cb"})
_METRIC_NAME = re.compile(r".+_(score|error|loss)$|^(confusion_matrix|classification_report)$")
_EVALUATE_NAMES = frozenset(
    {"score", "roc_curve", "precision_recall_curve", "precision_recall_fscore_support",
     "predict", "predict_proba", "decision_function"}
)  # fmt: skip

# Roots and calls whose result is only shown.
PLOT_ROOTS = frozenset(
    {"plt", "sns", "hv", "px", "go", "alt", "ff", "mpl", "matplotlib", "seaborn",
     "holoviews", "plotly", "hvplot", "pn"}
)  # fmt: skip
_DISPLAY_FUNCTIONS = frozenset(
    {"print", "display", "pprint", "repr", "len", "type", "str", "sorted", "list", "dict",
     "set", "tuple", "round", "min", "max", "sum", "abs", "isinstance", "dir", "help",
     "format", "Markdown", "HTML"}
)  # fmt: skip
_DISPLAY_METHODS = frozenset(
    {
        "head", "tail", "describe", "info", "sample", "plot", "hist", "boxplot", "scatter",
        "bar", "barh", "line", "area", "pie", "kde", "density", "box", "hvplot", "show",
        "display", "value_counts", "nunique", "unique", "isna", "isnull", "notna", "notnull",
        "sum", "mean", "median", "std", "var", "min", "max", "count", "corr", "cov", "style",
        "to_string", "memory_usage", "keys", "values", "items", "get_params", "groupby",
        "agg", "aggregate", "round", "sort_values", "sort_index", "reset_index", "transpose",
        "select_dtypes", "background_gradient", "format", "savefig", "heatmap", "pairplot",
        "set_title", "set_xlabel", "set_ylabel", "legend", "tight_layout", "any", "all",
        "nlargest", "nsmallest", "quantile", "crosstab", "pivot_table",
    }
)  # fmt: skip


def call_name(node: ast.Call) -> str | None:
    """``read_csv`` for ``pd.read_csv(...)``, ``fit`` for ``model.fit(...)``."""
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _calls(node: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Call)]


def _builds_unsupervised(node: ast.expr, models: frozenset[str]) -> bool:
    """``node`` is, holds or makes an unsupervised estimator: a name in ``models``,
    ``KMeans(3)``, ``make_pipeline(StandardScaler(), KMeans(3))``."""
    if root_name(node) in models:
        return True
    return any(call_name(c) in UNSUPERVISED_MODELS for c in _calls(node))


def unsupervised_models(nodes: Iterable[ast.stmt]) -> frozenset[str]:
    """Names the statements bind to an unsupervised estimator (``km = KMeans(3)``, also
    inside a loop) or to a pipeline holding one."""
    found: set[str] = set()
    for node in nodes:
        for assign in ast.walk(node):
            if not (isinstance(assign, ast.Assign) and isinstance(assign.value, ast.Call)):
                continue
            # What a training call returns is a result, not an estimator (labels).
            if call_role(assign.value) is None and _builds_unsupervised(assign.value, frozenset()):
                found |= {t.id for t in assign.targets if isinstance(t, ast.Name)}
    return frozenset(found)


def call_role(node: ast.Call, models: frozenset[str] = frozenset()) -> str | None:
    """The role one call marks, or None; ``models`` are names bound to unsupervised
    estimators (see ``unsupervised_models``)."""
    name = call_name(node) or ""
    if name == "fit":
        # fit(X, y) trains a model; fit(X) alone fits a transformer (a scaler, an encoder)
        # unless the estimator is unsupervised.
        with_target = len(node.args) >= 2 or any(k.arg == "y" for k in node.keywords)
        unsupervised = isinstance(node.func, ast.Attribute) and _builds_unsupervised(
            node.func.value, models
        )
        return "train" if with_target or unsupervised else None
    if name == "fit_predict" or name in _TRAIN_NAMES:
        return "train"
    if name == "train" and isinstance(node.func, ast.Attribute):
        return "train" if root_name(node.func.value) in _TRAIN_MODULES else None
    if _METRIC_NAME.match(name) or name in _EVALUATE_NAMES:
        return "evaluate"
    if name.startswith(_LOAD_PREFIXES) or name in _LOAD_NAMES:
        return "load"
    return None


def statement_role(node: ast.stmt, models: frozenset[str] = frozenset()) -> str | None:
    """The strongest role any call in ``node`` marks (train > evaluate > load)."""
    return strongest(call_role(call, models) for call in _calls(node))


def strongest(roles: Iterable[str | None]) -> str | None:
    found = set(roles)
    return next((role for role in _PRIORITY if role in found), None)


def is_metric_value(node: ast.expr) -> bool:
    """The value is computed by a metric (``roc_auc_score(...)``, ``model.score(...)``)."""
    return any(
        _METRIC_NAME.match(call_name(c) or "") or call_name(c) == "score" for c in _calls(node)
    )


def is_model_value(node: ast.expr, models: frozenset[str] = frozenset()) -> bool:
    """The value is what training returns: a trained model (``Est().fit(X, y)``,
    ``lgb.train(...)``) or the labels of ``km.fit_predict(X)``."""
    return isinstance(node, ast.Call) and call_role(node, models) == "train"


def fitted_names(node: ast.stmt, models: frozenset[str] = frozenset()) -> set[str]:
    """Names this statement trains in place: ``fit``/``partial_fit`` with a target, or
    ``fit``/``fit_predict`` on an unsupervised estimator."""
    found = set()
    for call in _calls(node):
        if call_role(call, models) == "train" and isinstance(call.func, ast.Attribute):
            root = root_name(call.func.value)
            if root is not None and call_name(call) in {"fit", "partial_fit", "fit_predict"}:
                found.add(root)
    return found


def _is_display_call(node: ast.Call, display_names: set[str]) -> bool:
    func = node.func
    if has_inplace(node) or (call_name(node) or "") in MUTATING_METHODS | SHUFFLES:
        return False
    if isinstance(func, ast.Name):
        return func.id in _DISPLAY_FUNCTIONS or func.id in display_names
    if isinstance(func, ast.Attribute):
        root = root_name(func)
        if root in PLOT_ROOTS or root in display_names:
            return True
        return func.attr in _DISPLAY_METHODS
    return False


def is_display_only(node: ast.stmt, display_names: set[str]) -> bool:
    """The statement only shows something: a bare expression with no assignment whose calls
    are all printing, plotting or read-only inspection (``df.head()``), or a loop/branch
    made only of such statements. ``display_names`` are names bound to figures and axes."""
    if isinstance(node, ast.Expr):
        if any(isinstance(n, ast.NamedExpr | ast.Await | ast.Yield) for n in ast.walk(node)):
            return False
        return all(_is_display_call(call, display_names) for call in _calls(node))
    if isinstance(node, ast.For | ast.If):
        body = node.body + node.orelse
        return all(is_display_only(inner, display_names) for inner in body)
    if isinstance(node, ast.With):
        calls = [c for item in node.items for c in _calls(item.context_expr)]
        return all(_is_display_call(c, display_names) for c in calls) and all(
            is_display_only(inner, display_names) for inner in node.body
        )
    return False


def display_assignment(node: ast.stmt) -> set[str]:
    """Names an assignment binds to a plot object (``fig, ax = plt.subplots()``)."""
    if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
        return set()
    if root_name(node.value.func) not in PLOT_ROOTS:
        return set()
    return {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
