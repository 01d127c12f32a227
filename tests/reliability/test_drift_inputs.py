"""Drift given bad input: ``workbench drift`` answers one line naming the path or column and
the fix, with exit code 2 (bad input), apart from 1 (drift found) and 0 (no drift), and
never a traceback; ``wb.drift.compare`` raises an error saying the same.

Column names that are not strings (integers, a MultiIndex) work and are reported as
strings; duplicate names, or names that collide once they are strings, are refused.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import workbench as wb
from workbench.cli import app

runner = CliRunner()


@pytest.fixture
def files(sqlite_project: Path) -> Path:
    """ref.csv and cur.csv (column ``a`` shifted: drift), same.csv (no drift), and bad files."""
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"a": rng.normal(size=300), "b": rng.choice(list("xyz"), 300)})
    reference.to_csv(sqlite_project / "ref.csv", index=False)
    reference.assign(a=reference["a"] + 2).to_csv(sqlite_project / "cur.csv", index=False)
    reference.to_csv(sqlite_project / "same.csv", index=False)
    (sqlite_project / "broken.parquet").write_bytes(b"PAR1 not really parquet")
    (sqlite_project / "empty.csv").write_text("")
    (sqlite_project / "notes.txt").write_text("a,b\n1,x\n")
    (sqlite_project / "folder").mkdir()
    return sqlite_project


CLI_CASES = {  # id: (arguments, what the error line says)
    "html_in_a_missing_folder": (
        ["ref.csv", "cur.csv", "--html", "nowhere/x.html"],
        "the folder 'nowhere' does not exist",
    ),
    "html_is_a_directory": (["ref.csv", "cur.csv", "--html", "folder"], "is a directory"),
    "reference_is_a_directory": (
        ["folder", "cur.csv"],
        "The reference data 'folder' is a directory",
    ),
    "current_does_not_exist": (["ref.csv", "gone.csv"], "The current data 'gone.csv' does not"),
    "corrupt_parquet": (["broken.parquet", "cur.csv"], "Cannot read the reference data"),
    "empty_csv": (["ref.csv", "empty.csv"], "Cannot read the current data 'empty.csv' as CSV"),
    "unknown_file_type": (["notes.txt", "cur.csv"], "use a .csv or .parquet file"),
    "unknown_target_column": (["ref.csv", "cur.csv", "--target", "churn"], "['churn']"),
    "window_without_time_column": (["ref.csv", "cur.csv", "--window", "7D"], "time_column"),
    "drift_share_out_of_range": (["ref.csv", "cur.csv", "--drift-share", "0"], "drift_share"),
}


@pytest.mark.parametrize("arguments, message", list(CLI_CASES.values()), ids=list(CLI_CASES))
def test_bad_input_is_exit_code_2_with_one_line_naming_it(files, arguments, message):
    result = runner.invoke(app, ["drift", *arguments])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not an exception escaping the command
    assert message in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert not (files / "nowhere").exists()


def test_exit_codes_tell_drift_from_no_drift(files):
    drifted = runner.invoke(app, ["drift", "ref.csv", "cur.csv", "--html", "report.html"])
    assert drifted.exit_code == 1, drifted.output
    assert "HTML report: report.html" in drifted.output and (files / "report.html").is_file()
    stable = runner.invoke(app, ["drift", "ref.csv", "same.csv"])
    assert stable.exit_code == 0, stable.output


def test_the_help_documents_the_exit_codes(files):
    result = runner.invoke(app, ["drift", "--help"])
    assert "0: no drift; 1: drift was found; 2: bad input" in " ".join(result.output.split())


def test_a_bad_html_path_prints_no_traceback_from_the_real_command(files):
    command = [sys.executable, "-m", "workbench", "drift", "ref.csv", "cur.csv"]
    done = subprocess.run(
        [*command, "--html", str(files / "nowhere" / "x.html")],
        cwd=files,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "does not exist" in done.stderr
    assert done.stdout == ""  # checked before comparing: no table for a report never written


def _frame(columns: Any, seed: int = 0, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(shift, 1, size=(200, len(columns))), columns=columns)


def test_duplicate_column_names_are_a_value_error_naming_them():
    frame = _frame(["a", "a", "b"])
    with pytest.raises(ValueError, match=r"The reference data has duplicate column names \['a'\]"):
        wb.drift.compare(frame, _frame(["a", "c", "b"]))
    with pytest.raises(ValueError, match=r"The current data has duplicate column names \['a'\]"):
        wb.drift.compare(_frame(["a", "c", "b"]), frame)
    with pytest.raises(ValueError, match=r"duplicate column names \['a'\]"):
        wb.drift.profile(frame)


def test_a_column_asked_for_twice_is_a_value_error():
    with pytest.raises(ValueError, match=r"columns names \['a'\] more than once"):
        wb.drift.compare(_frame(["a", "b"]), _frame(["a", "b"]), columns=["a", "a"])


def test_integer_column_names_are_reported_as_strings(tmp_path):
    report = wb.drift.compare(_frame([0, 1, 2]), _frame([0, 1, 2], 1, shift=1.0), target=2)
    assert report.column_names == ["0", "1", "2"]
    assert report.target_drift is not None and report.target_drift.column == "2"
    assert report.drifted and report["0"].drifted
    page = report.save_html(tmp_path / "drift.html").read_text()
    assert "<td>0</td>" in page and "<td>1</td>" in page
    report.plot()  # renders without a name error


def test_multiindex_columns_are_joined_with_dots(tmp_path):
    columns = pd.MultiIndex.from_tuples([("sales", "eu"), ("sales", "us")])
    report = wb.drift.compare(_frame(columns), _frame(columns, 1), categorical=[("sales", "us")])
    assert report.column_names == ["sales.eu", "sales.us"]
    assert report["sales.us"].type == "categorical"
    assert "sales.eu" in report.save_html(tmp_path / "drift.html").read_text()


def test_names_that_collide_as_strings_are_refused():
    frame = pd.DataFrame({1: [0.1, 0.2, 0.3], "1": [0.4, 0.5, 0.6]})
    with pytest.raises(ValueError, match=r"columns 1, '1' that all read as \['1'\]"):
        wb.drift.compare(frame, frame)


def test_a_directory_is_named_as_a_directory(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a directory"):
        wb.drift.compare(tmp_path, _frame(["a"]))
