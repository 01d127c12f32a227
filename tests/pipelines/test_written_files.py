"""Files a notebook writes by a relative path are outputs of their step: written under the
run's output folder (never the working directory), kept with the step's cache entry,
attached to the run, and compared with the notebook's files by the verification."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import nbformat.v4 as nbf
import pandas as pd
import pytest

from workbench.pipelines.analysis import analyze_notebook
from workbench.pipelines.analysis._written_files import declare_outputs, written_paths
from workbench.pipelines.export import ExportResult, export_notebook
from workbench.pipelines.runtime import output_path
from workbench.pipelines.verify import compare_to_golden
from workbench.tracking import fluent
from workbench.tracking.queries import read_artifact

CELLS = [
    nbf.new_code_cell(
        "import os\nimport numpy as np\nimport pandas as pd\n"
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt"
    ),
    nbf.new_markdown_cell("## Load"),
    nbf.new_code_cell(
        "rng = np.random.default_rng(0)\n"
        "df = pd.DataFrame({'x': rng.normal(size=30), 'id': np.arange(30)})"
    ),
    nbf.new_markdown_cell("## Predict"),
    nbf.new_code_cell(
        "os.makedirs('out', exist_ok=True)\n"
        "submission = pd.DataFrame({'id': df['id'], 'pred': df['x'] * 2})\n"
        "submission.to_csv('out/submission.csv', index=False)\n"
        "score = float(submission['pred'].abs().mean())"
    ),
    nbf.new_markdown_cell("## Report"),
    nbf.new_code_cell(
        "fig, ax = plt.subplots()\n"
        "ax.plot(df['x'])\n"
        "fig.savefig('fig.png')\n"
        "rows = len(pd.read_csv('out/submission.csv'))"
    ),
]


def _notebook(folder: Path, cells: list[nbf.NotebookNode], name: str = "writes") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(nbf.new_notebook(cells=cells), path)
    return path


def _run(result: ExportResult, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(result.path / "src")}
    command = [sys.executable, "-m", result.package, *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


# ---------------------------------------------------------------- analysis


def test_writes_by_a_literal_or_constructed_relative_path_are_found() -> None:
    source = (
        "df.to_csv('submission.csv', index=False)\n"
        "df.to_parquet(path='out/frame.parquet')\n"
        "df.to_json('out/' + 'rows.json')\n"
        "np.save('arrays/x.npy', x)\n"
        "plt.savefig(Path('figs') / 'roc.png')\n"
        "fig.savefig(os.path.join('figs', 'pr.png'))\n"
        "joblib.dump(model, 'model.pkl')\n"
        "Path('notes/summary.md').write_text(text)\n"
        "with open('log.txt', 'w') as handle:\n    handle.write(text)\n"
    )
    assert written_paths(source) == {
        "submission.csv", "out/frame.parquet", "out/rows.json", "arrays/x.npy",
        "figs/roc.png", "figs/pr.png", "model.pkl", "notes/summary.md", "log.txt",
    }  # fmt: skip


def test_reads_absolute_paths_and_computed_names_are_not_outputs() -> None:
    source = (
        "pd.read_csv('train.csv')\n"
        "open('train.csv').read()\n"
        "df.to_csv('/tmp/elsewhere.csv')\n"
        "df.to_csv('../above.csv')\n"
        "df.to_csv(f'{name}.csv')\n"
        "df.to_csv(path)\n"
        "plt.savefig('s3://bucket/fig.png')\n"
    )
    assert written_paths(source) == set()


def test_each_written_file_is_declared_for_its_step_and_goes_through_output_path(
    tmp_path: Path,
) -> None:
    node = nbformat.read(_notebook(tmp_path, CELLS), as_version=4)
    plan = analyze_notebook(node)
    new_plan, files, warnings = declare_outputs(plan, node)
    assert warnings == []
    assert [(f["path"], f["step"], f["writer"], f["cell"], f["line"]) for f in files] == [
        ("fig.png", "report", "savefig", 6, 3),
        ("out/submission.csv", "predict", "to_csv", 4, 3),
    ]
    assert new_plan.fingerprint != plan.fingerprint
    predict, report = new_plan.step("predict"), new_plan.step("report")
    assert predict.files == ("out/submission.csv",) and report.files == ("fig.png",)
    assert 'os.makedirs(output_path("out"), exist_ok=True)' in predict.source
    assert 'submission.to_csv(output_path("out/submission.csv"), index=False)' in predict.source
    # the plotting that draws the saved figure is kept, and the file read back is the run's
    assert "ax.plot(" in report.source and 'fig.savefig(output_path("fig.png"))' in report.source
    assert 'pd.read_csv(output_path("out/submission.csv"))' in report.source
    assert "from workbench.pipelines.runtime import output_path" in report.imports


def test_a_notebook_writing_nothing_keeps_its_plan() -> None:
    node = nbf.new_notebook(cells=[nbf.new_code_cell("x = 1\ny = x + 1")])
    plan = analyze_notebook(node)
    assert declare_outputs(plan, node) == (plan, [], [])


def test_output_path_is_only_set_inside_a_run() -> None:
    with pytest.raises(LookupError, match="output folder"):
        output_path("submission.csv")


# ---------------------------------------------------------------- the package's runs


def test_the_package_writes_the_files_under_its_output_folder_from_any_directory(
    sqlite_project: Path,
) -> None:
    notebook = _notebook(sqlite_project / "notebooks", CELLS)
    result = export_notebook(notebook, verify=False)
    manifest = json.loads((result.path / "src" / result.package / "manifest.json").read_text())
    assert [(f["path"], f["step"]) for f in manifest["files"]] == [
        ("fig.png", "report"),
        ("out/submission.csv", "predict"),
    ]
    readme = (result.path / "README.md").read_text()
    assert "## Files written" in readme
    assert "| `out/submission.csv` | `predict` | `to_csv` | cell 5, line 3 |" in readme

    elsewhere = sqlite_project / "elsewhere"
    elsewhere.mkdir()
    first = _run(result, elsewhere, "run", "--quiet", "--output-dir", "results")
    assert first.returncode == 0, first.stderr
    written = elsewhere / "results" / "out" / "submission.csv"
    frame = pd.read_csv(written)
    assert list(frame.columns) == ["id", "pred"] and len(frame) == 30
    assert (elsewhere / "results" / "fig.png").stat().st_size > 0
    assert f"wrote {written} (step predict)" in first.stdout
    assert sorted(p.name for p in elsewhere.iterdir()) == ["results"]  # nothing else in cwd
    assert not (notebook.parent / "out").exists() and not (notebook.parent / "fig.png").exists()

    # Taken from the cache, the steps still put their files in a new output folder.
    second = _run(result, elsewhere, "run", "--quiet", "--output-dir", "again")
    assert second.returncode == 0, second.stderr
    assert "3 steps, 3 from the cache" in second.stdout
    again = elsewhere / "again" / "out" / "submission.csv"
    assert again.read_bytes() == written.read_bytes()

    run_id = second.stdout.split()[1].rstrip(":")
    assert read_artifact(run_id, "outputs/out/submission.csv") == written.read_bytes()
    status = _run(result, elsewhere, "status")
    # status lists each file where the newest run wrote it
    listed = rf"file out/submission.csv +step predict: {re.escape(str(again))}\n"
    assert re.search(listed, status.stdout)


# ---------------------------------------------------------------- comparison


def _report(folder: Path, files: dict[str, bytes]) -> dict[str, object]:
    entries = []
    for path, data in files.items():
        file = folder / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
        step = "report" if path.endswith(".png") else "predict"
        sha = hashlib.sha256(data).hexdigest()
        entries.append({"step": step, "path": path, "file": str(file), "sha256": sha})
    return {"format": 1, "run_id": "r", "steps": [], "files": entries}


def _golden(files: dict[str, bytes]) -> dict[str, object]:
    """Golden entries of these files, their copies kept in the project's artifact store."""
    entries: dict[str, dict[str, object]] = {"predict": {}, "report": {}}
    for path, data in files.items():
        sha, size = fluent.get_store().blobs.put_bytes(data)
        entries["report" if path.endswith(".png") else "predict"][path] = {
            "sha256": sha,
            "bytes": size,
        }
    return {"steps": {"predict": {}, "report": {}}, "files": entries}


CSV = b"id,pred\n0,0.5\n1,1.25\n"


def test_a_csv_within_tolerance_and_a_figure_of_other_bytes_reproduce(
    sqlite_project: Path,
) -> None:
    golden = _golden({"submission.csv": CSV, "fig.png": b"\x89PNG one"})
    near = b"id,pred\n0,0.5000000000001\n1,1.25\n"
    verdict = compare_to_golden(
        _report(sqlite_project, {"submission.csv": near, "fig.png": b"\x89PNG other"}), golden
    )
    assert verdict.label == "within tolerance"
    assert verdict.compared == 2
    assert verdict.differences[0].variable == "file submission.csv"
    assert "fig.png is a figure: compared by existence and size" in verdict.detail


def test_a_csv_that_differs_is_a_divergence_at_its_step(sqlite_project: Path) -> None:
    golden = _golden({"submission.csv": CSV})
    other = b"id,pred\n0,0.5\n1,9.0\n"
    verdict = compare_to_golden(_report(sqlite_project, {"submission.csv": other}), golden)
    assert verdict.label == (
        "diverged at step predict (file submission.csv: column 'pred' differs in 1 of 2 rows "
        "(by up to 7.75))"
    )
    missing = compare_to_golden(_report(sqlite_project, {}), golden)
    assert missing.label == (
        "diverged at step predict (file submission.csv: the pipeline did not write it)"
    )


def test_json_is_compared_as_data_and_other_files_by_hash(sqlite_project: Path) -> None:
    golden = _golden({"metrics.json": b'{"auc": 0.9, "n": 3}', "x.npy": b"one"})
    report = _report(sqlite_project, {"metrics.json": b'{"n": 3,\n "auc": 0.9}', "x.npy": b"two"})
    verdict = compare_to_golden(report, golden)
    assert verdict.step == "predict" and verdict.variable == "file x.npy"
    assert verdict.detail == "its bytes differ (3 vs 3 bytes in the notebook)"
    assert [d.variable for d in verdict.differences] == ["file x.npy"]  # the JSON is equal


# ---------------------------------------------------------------- verification (kernels)


@pytest.mark.slow
def test_export_verifies_the_written_files_as_reproduced(sqlite_project: Path) -> None:
    notebook = _notebook(sqlite_project / "notebooks", CELLS)
    result = export_notebook(notebook)
    assert result.verdict == "reproduced", result.warnings
    assert result.verification is not None
    assert result.verification.verdict.compared >= 4  # df, score and the two files
    manifest = json.loads((result.path / "src" / result.package / "manifest.json").read_text())
    golden_files = manifest["golden"]["files"]
    assert set(golden_files) == {"predict", "report"}
    csv = notebook.parent / "out" / "submission.csv"
    expected = hashlib.sha256(csv.read_bytes()).hexdigest()
    assert golden_files["predict"]["out/submission.csv"]["sha256"] == expected


@pytest.mark.slow
def test_a_written_csv_that_changes_between_runs_is_reported_as_unseeded(
    sqlite_project: Path,
) -> None:
    cells = [
        nbf.new_code_cell("import numpy as np\nimport pandas as pd"),
        nbf.new_code_cell(
            "noise = pd.DataFrame({'x': np.random.rand(10)})\n"
            "noise.to_csv('noise.csv', index=False)"
        ),
    ]
    result = export_notebook(_notebook(sqlite_project / "nb", cells, "noisy"))
    assert result.verdict == (
        "unseeded randomness at cell 2, line 1: `np.random.rand(10)` has no seed "
        "(the global generator is never seeded)"
    )
    assert any("file noise.csv differs between two runs" in w for w in result.warnings)
