"""Store files that are not what they should be: a clear StoreError naming the path and the
fix (the CLI: one line, exit code 2), a read-only store still readable, a newer store refused
with "upgrade workbench"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from projects import forget_engine, reset_tracking_state, sqlite_url
from typer.testing import CliRunner

import workbench as wb
from workbench.cli import app
from workbench.store.errors import StoreFileError, StoreVersionError

HEADER = b"SQLite format 3\x00"


def _db(home: Path) -> Path:
    return home / ".workbench" / "workbench.db"


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WORKBENCH_HOME": str(home)}
    env.pop("WORKBENCH_DB_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True, text=True, env=env, cwd=home, timeout=120,
    )  # fmt: skip


def _assert_one_line_exit_2(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for needle in needles:
        assert needle in lines[0]


def _bad_store(home: Path, kind: str) -> None:
    folder = home / ".workbench"
    if kind == "a folder":
        _db(home).mkdir(parents=True)
    elif kind == "a text file":
        folder.mkdir()
        _db(home).write_text("id,auc\n1,0.9\n")
    elif kind == "a corrupt SQLite file":
        folder.mkdir()
        _db(home).write_bytes(HEADER + b"\xff" * 8000)
    elif kind == "a file where its folder goes":
        folder.write_text("not a folder")


BAD_STORES = {
    "a folder": "is a folder",
    "a text file": "is not a SQLite database",
    "a corrupt SQLite file": "Cannot open the store",
    "a file where its folder goes": "a file is in the way",
}


@pytest.mark.parametrize("kind", list(BAD_STORES))
def test_a_bad_store_file_is_a_store_file_error_naming_the_path(sqlite_project, kind):
    _bad_store(sqlite_project, kind)
    with pytest.raises(StoreFileError, match=BAD_STORES[kind]) as caught:
        wb.runs()
    assert str(_db(sqlite_project)) in str(caught.value)
    assert "WORKBENCH_HOME" in str(caught.value) or "move it away" in str(caught.value)


@pytest.mark.parametrize("kind", list(BAD_STORES))
def test_the_cli_says_what_is_wrong_with_the_store_in_one_line(tmp_path, kind):
    _bad_store(tmp_path, kind)
    for command in (["runs", "list"], ["db", "upgrade"], ["models", "list"]):
        _assert_one_line_exit_2(_cli(tmp_path, *command), str(_db(tmp_path)), BAD_STORES[kind])


def test_a_bad_store_file_is_left_as_it_was(sqlite_project):
    _bad_store(sqlite_project, "a text file")
    with pytest.raises(StoreFileError):
        wb.start_run()
    assert _db(sqlite_project).read_text() == "id,auc\n1,0.9\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file: run as a normal user")
def test_an_unreadable_store_names_the_path_and_chmod(sqlite_project):
    with wb.start_run():
        pass
    reset_tracking_state()
    forget_engine(sqlite_url(sqlite_project))
    _db(sqlite_project).chmod(0)
    try:
        with pytest.raises(StoreFileError, match=r"permission denied.*chmod"):
            wb.runs()
    finally:
        _db(sqlite_project).chmod(0o644)


# -- a store from a newer workbench -----------------------------------------------------------
def _newer_store(home: Path) -> str:
    with wb.start_run():
        pass
    reset_tracking_state()
    url = sqlite_url(home)
    forget_engine(url)
    raw = sa.create_engine(url)
    with raw.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    raw.dispose()
    return url


def _revision(url: str) -> str:
    raw = sa.create_engine(url)
    with raw.connect() as conn:
        found = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    raw.dispose()
    return str(found)


def test_a_store_from_a_newer_workbench_asks_to_upgrade_workbench(sqlite_project):
    url = _newer_store(sqlite_project)
    with pytest.raises(StoreVersionError, match=r"9999_from_the_future.*Upgrade workbench"):
        wb.runs()
    result = CliRunner().invoke(app, ["db", "upgrade", "--url", url])
    assert result.exit_code == 2
    assert "Upgrade workbench" in result.output and "Can't locate" not in result.output
    assert _revision(url) == "9999_from_the_future"  # the store is untouched


def test_the_cli_on_a_newer_store_says_upgrade_workbench(tmp_path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_HOME", str(tmp_path))
        patch.delenv("WORKBENCH_DB_URL", raising=False)
        _newer_store(tmp_path)
    for command in (["runs", "list"], ["db", "upgrade"]):
        _assert_one_line_exit_2(_cli(tmp_path, *command), "Upgrade workbench", "9999")


# -- a read-only store --------------------------------------------------------------------------
READER = textwrap.dedent(
    """
    import sys
    import workbench as wb
    from workbench.store.errors import StoreReadOnlyError

    run_id = sys.argv[1]
    frame = wb.runs(experiment="e")
    assert list(frame["run_id"]) == [run_id], frame
    assert wb.get_run(run_id).metrics == {"loss": 0.25}
    assert list(wb.metric_history(run_id, "loss")["value"]) == [1.0, 0.5, 0.25]
    try:
        wb.start_run(experiment="e")
    except StoreReadOnlyError as error:
        print("REFUSED", error)
    """
)


def _read_only_command(home: Path, command: list[str]) -> list[str]:
    """``command`` run with ``home`` read-only: a read-only bind mount when root (root writes
    any file), else the permissions."""
    if os.geteuid() != 0:
        return command
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare to mount the store read-only as root")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", str(home), "true"], capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount read-only here: {probe.stderr.decode()[:200]}")
    return ["unshare", "-m", "sh", "-c", script, "sh", str(home), *command]


def _make_read_only(home: Path) -> None:
    if os.geteuid() != 0:
        for path in (home / ".workbench").rglob("*"):
            path.chmod(0o444 if path.is_file() else 0o555)
        (home / ".workbench").chmod(0o555)


def _writable_again(home: Path) -> None:
    for path in [home / ".workbench", *(home / ".workbench").rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _store_with_a_run(home: Path, leave_wal: bool) -> str:
    """A store with one run, closed cleanly or with its -wal and -shm files left behind."""
    code = textwrap.dedent(
        f"""
        import os
        import workbench as wb
        wb.set_experiment("e")
        with wb.start_run() as run:
            for loss in (1.0, 0.5, 0.25):
                run.log_metric("loss", loss)
        print(run.id)
        if {leave_wal}:
            os._exit(0)  # like a killed process: nothing checkpointed, -wal and -shm stay
        from workbench.store.engine import _engines
        for engine in _engines.values():
            engine.dispose()
        """
    )
    env = {**os.environ, "WORKBENCH_HOME": str(home)}
    env.pop("WORKBENCH_DB_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    sidecar = _db(home).with_name("workbench.db-wal")
    assert sidecar.exists() == leave_wal
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("leave_wal", [False, True], ids=["closed cleanly", "wal left behind"])
def test_a_read_only_store_can_be_read_and_refuses_writes_clearly(tmp_path, leave_wal):
    run_id = _store_with_a_run(tmp_path, leave_wal)
    env = {**os.environ, "WORKBENCH_HOME": str(tmp_path)}
    env.pop("WORKBENCH_DB_URL", None)
    _make_read_only(tmp_path)
    try:
        reader = _read_only_command(tmp_path, [sys.executable, "-c", READER, run_id])
        done = subprocess.run(reader, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert f"REFUSED The store {_db(tmp_path)} is read-only" in done.stdout
        cli = [sys.executable, "-m", "workbench"]
        listed = subprocess.run(
            _read_only_command(tmp_path, [*cli, "runs", "list", "-e", "e"]),
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert listed.returncode == 0, listed.stderr
        assert run_id[:12] in listed.stdout
        upgrade = subprocess.run(
            _read_only_command(tmp_path, [*cli, "db", "upgrade"]),
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        _assert_one_line_exit_2(upgrade, "read-only")
    finally:
        _writable_again(tmp_path)
