"""Drift reports live in the shared database, not in files under ``.workbench/``: a report
machine A logs is listed and opened on machine B, whose home and cache are empty."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from teamhelpers import on_machine

MACHINE_A = """
import json
import numpy as np, pandas as pd
import workbench as wb

rng = np.random.default_rng(0)
reference = pd.DataFrame({"age": rng.normal(40, 5, 500), "plan": rng.choice(["a", "b"], 500)})
current = reference.assign(age=reference["age"] + 8)
with wb.start_run(name="drift check") as run:
    report = wb.drift.compare(reference, current)
    report_id = report.log(dataset="customers")
print(json.dumps({"id": report_id, "frame": report.to_frame().to_json()}))
"""

MACHINE_B = """
import json, sys
import workbench as wb

history = wb.drift.history(dataset="customers")
report = wb.drift.get_report(int(history["id"].iloc[0]))
print(json.dumps({
    "ids": history["id"].tolist(),
    "drifted": report.drifted,
    "drifted_columns": sorted(report.to_frame().query("drifted")["column"]),
    "frame": report.to_frame().to_json(),
}))
"""


@pytest.mark.slow
def test_a_drift_report_logged_on_one_machine_opens_on_another(
    s3_env: dict[str, str], tmp_path: Path
) -> None:
    shared_db = f"sqlite:///{tmp_path / 'shared.db'}"
    env = {**os.environ, **s3_env, "WORKBENCH_DB_URL": shared_db}
    home_a, home_b = tmp_path / "machine-a", tmp_path / "machine-b"

    logged = on_machine(home_a, MACHINE_A, env=env)
    read = on_machine(home_b, MACHINE_B, env=env)

    assert read["ids"] == [logged["id"]]
    assert read["drifted"] and read["drifted_columns"] == ["age"]
    assert read["frame"] == logged["frame"]
    assert not (home_b / ".workbench" / "artifacts").exists()
