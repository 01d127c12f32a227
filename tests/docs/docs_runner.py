"""Run one document's blocks in order, the way a reader would, in the current folder:
Python blocks in one IPython shell (so ``%load_ext`` and the ``%wb_...`` magics work as in a
notebook), shell blocks with bash, one at a time.

    python docs_runner.py BLOCKS.json RESULTS.json

BLOCKS.json is a list of ``{"id", "language", "code", "mode", "timeout"}``; RESULTS.json gets,
after each block, ``{id: {"error", "seconds", "written"}}``: the traceback or the shell's
output when it failed, and the files the block created (not for setup blocks).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

SERVER_PORT = re.compile(r"--port[ =](\d+)")  # as in markdown_blocks.py
# The project's store, artifacts and step cache: ignored by .gitignore, and large.
NOT_WALKED = {".workbench"}


def files_under(root: Path) -> set[str]:
    found: set[str] = set()
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in NOT_WALKED]
        relative = Path(folder).relative_to(root)
        found.update((relative / name).as_posix() for name in names)
    return found


class BlockTimeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise BlockTimeout("the block ran over its timeout")


def run_python(shell: Any, code: str, timeout: int) -> str | None:
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        result = shell.run_cell(code, store_history=True)
    finally:
        signal.alarm(0)
    error = result.error_before_exec or result.error_in_exec
    if error is None:
        return None
    return "".join(traceback.format_exception(error))


def run_shell(code: str, timeout: int) -> str | None:
    # -e: a failing line fails the block, as a reader would stop there.
    proc = subprocess.Popen(
        ["bash", "-e", "-o", "pipefail", "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        return f"the block ran over {timeout} s; its output:\n{output}"
    print(output, flush=True)
    if proc.returncode != 0:
        return f"exit code {proc.returncode}; its output:\n{output}"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(proc: subprocess.Popen[str]) -> str:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        output, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
    return output


def run_served(code: str, timeout: int) -> str | None:
    """The first line serves on ``--port N``: start it on a free port instead (the block's
    other mentions of ``N`` follow), run the rest once the port answers, stop the server."""
    server, _, rest = code.partition("\n")
    written = SERVER_PORT.search(server)
    assert written is not None, "a serve block starts with --port N"
    port = str(_free_port())
    server, rest = (re.sub(rf"\b{written[1]}\b", port, part) for part in (server, rest))
    proc = subprocess.Popen(
        ["bash", "-c", f"exec {server}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            return f"the server stopped (exit {proc.returncode}):\n{_stop(proc)}"
        try:
            socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                return f"the server did not answer on port {port} in 120 s:\n{_stop(proc)}"
            time.sleep(0.3)
    try:
        error = run_shell(rest, timeout)
    finally:
        log = _stop(proc)
    print(f"[server output]\n{log}", flush=True)
    return None if error is None else f"{error}\nthe server's output:\n{log}"


def main(blocks_path: str, results_path: str) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    root = Path.cwd()
    results: dict[str, dict[str, Any]] = {}
    for block in json.loads(Path(blocks_path).read_text()):
        print(f"\n===== {block['id']} ({block['mode']}) =====", flush=True)
        before = files_under(root)
        start = time.monotonic()
        if block["language"] == "python":
            error = run_python(shell, block["code"], block["timeout"])
        elif block["mode"] == "serve":
            error = run_served(block["code"], block["timeout"])
        else:
            error = run_shell(block["code"], block["timeout"])
        written = [] if block["mode"] == "setup" else sorted(files_under(root) - before)
        results[block["id"]] = {
            "error": error,
            "seconds": round(time.monotonic() - start, 1),
            "written": written,
        }
        sys.stdout.flush()
        # After every block: what ran is known even if a later block hangs the process.
        Path(results_path).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
