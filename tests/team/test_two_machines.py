"""Two machines, one project: two homes, each with its own ``.workbench/`` and cache, sharing
one PostgreSQL database and one bucket. What machine A logs, machine B reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from teamhelpers import on_machine

from workbench.store.artifacts import blob_store

MACHINE_A = """
import json, sys
from pathlib import Path
import workbench as wb
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

X, y = make_classification(n_samples=200, n_features=5, random_state=0)
Path("roc.png").write_bytes(bytes.fromhex("89504e470d0a1a0a") + bytes(range(256)) * 40)
wb.set_experiment("churn")
with wb.start_run(name="logreg") as run:
    run.log_params({"C": 0.5})
    run.log_artifact("roc.png", "plots/roc.png")
    run.log_text("AUC went up", "notes.txt")
    model = LogisticRegression(C=0.5).fit(X, y)
    version = run.log_model(model, name="churn-model", input_example=X[:5])
wb.models.promote("churn-model", version=version.version, alias="champion")
print(json.dumps({"run_id": run.id, "predictions": model.predict_proba(X[:20]).tolist()}))
"""

MACHINE_B = """
import json, sys
import workbench as wb
from sklearn.datasets import make_classification
from workbench.tracking.queries import read_artifact

run_id = sys.argv[1]
X, _ = make_classification(n_samples=200, n_features=5, random_state=0)
model = wb.models.load("churn-model@champion")
print(json.dumps({
    "png": read_artifact(run_id, "plots/roc.png").hex(),
    "notes": read_artifact(run_id, "notes.txt").decode(),
    "params": wb.get_run(run_id).params,
    "predictions": model.predict_proba(X[:20]).tolist(),
}))
"""


@pytest.mark.slow
@pytest.mark.postgres
def test_a_run_and_a_model_logged_on_one_machine_are_read_on_another(
    pg_url: str, s3_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**os.environ, **s3_env, "WORKBENCH_DB_URL": pg_url}
    home_a, home_b = tmp_path / "machine-a", tmp_path / "machine-b"

    logged = on_machine(home_a, MACHINE_A, env=env)
    read = on_machine(home_b, MACHINE_B, logged["run_id"], env=env)

    png = Path(home_a / "roc.png").read_bytes()
    assert bytes.fromhex(read["png"]) == png
    assert read["notes"] == "AUC went up"
    assert read["params"] == {"C": "0.5"}
    assert read["predictions"] == logged["predictions"]
    # Nothing stayed on A's disk; B read through its own cache, by sha256.
    assert not (home_a / ".workbench" / "artifacts").exists()
    assert not (home_b / ".workbench" / "artifacts").exists()
    in_bucket = blob_store(home_b).all_blobs()
    cached = {blob.name for blob in (home_b / ".workbench" / "cache" / "blobs").glob("*/*")}
    assert cached == set(in_bucket)
    assert len(in_bucket) == 3  # the image, the notes and the packed model
