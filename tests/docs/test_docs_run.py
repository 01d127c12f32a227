"""The README's code runs as written: every Python and shell block of the documents below,
in order, in a fresh project, one test per block (``README.md:L23``).

Per document, one subprocess (``docs_runner.py``, the venv's Python) runs the blocks in a
temporary project folder (``WORKBENCH_HOME`` and the working directory), with the venv's
``bin`` first on ``PATH``: Python blocks in one IPython shell, so magics run too; shell
blocks with bash. Blocks marked ``<!-- docs: skip — reason -->`` are not run, but the
commands they show must exist with the options they use; they are reported as skipped with
their line and reason. See ``markdown_blocks.py`` for the markers.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from browsertools import skip_or_fail
from markdown_blocks import Block, blocks

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ("README.md", "notebooks/README.md")
RUNNER = Path(__file__).with_name("docs_runner.py")
BLOCK_TIMEOUT = 600  # s; exporting with --verify runs a notebook and a package
DOCUMENT_TIMEOUT = 1500  # s, the whole document

ALL_BLOCKS = [block for name in DOCUMENTS for block in blocks(ROOT / name, name)]
SHELL_SEPARATORS = {";", "&&", "||", "|", "&"}


def _environment(project: Path, scratch: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WORKBENCH_", "JUPYTER", "PYTHONPATH"))
    }
    env |= {
        "WORKBENCH_HOME": str(project),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "IPYTHONDIR": str(scratch / "ipython"),
        "MPLBACKEND": "Agg",
        "DOCS_REPO": str(ROOT),  # for setup blocks that copy the repository's notebooks
    }
    return env


@pytest.fixture(scope="module")
def document_runs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``run(document)``: run its blocks once (cached) and return per-block results and the
    runner's output."""
    done: dict[str, tuple[dict[str, Any], str]] = {}

    def run(document: str) -> tuple[dict[str, Any], str]:
        if document in done:
            return done[document]
        scratch = tmp_path_factory.mktemp("docs")
        project = scratch / "project"
        project.mkdir()
        to_run = [
            {"id": b.id, "language": b.language, "code": b.code, "mode": b.mode}
            | {"timeout": BLOCK_TIMEOUT}
            for b in ALL_BLOCKS
            if b.document == document and b.mode != "skip" and not b.problem
        ]
        (scratch / "blocks.json").write_text(json.dumps(to_run))
        results_path = scratch / "results.json"
        log = scratch / "output.log"
        with log.open("w") as output:
            try:
                subprocess.run(
                    [sys.executable, str(RUNNER), str(scratch / "blocks.json"), str(results_path)],
                    cwd=project,
                    env=_environment(project, scratch),
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    timeout=DOCUMENT_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                output.write(f"\n[the document ran over {DOCUMENT_TIMEOUT} s]\n")
        results = json.loads(results_path.read_text()) if results_path.exists() else {}
        done[document] = (results, log.read_text(errors="replace"))
        return done[document]

    return run


def _commands(code: str) -> list[list[str]]:
    """The simple commands of a shell block: words, without comments, separators or
    leading ``NAME=value`` assignments."""
    found: list[list[str]] = []
    for line in code.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split, lexer.commenters = True, "#"
        command: list[str] = []
        for word in [*lexer, ";"]:
            if word in SHELL_SEPARATORS:
                if command:
                    found.append(command)
                command = []
            elif command or "=" not in word or word.startswith("-"):
                command.append(word)
    return found


def _options(words: list[str], short: bool = False) -> list[str]:
    """The ``--long`` options (and ``-x`` short ones with ``short``) a command line uses."""
    return [
        word.split("=", 1)[0]
        for word in words
        if word.startswith("--") or (short and re.fullmatch(r"-[A-Za-z]", word))
    ]


def _check_workbench(words: list[str]) -> None:
    """The subcommand exists and accepts every ``--option`` the line uses."""
    import typer

    from workbench.cli import app

    # Typer's own copy of click (typer._click) is not the click package: duck typing.
    command: Any = typer.main.get_command(app)
    ctx = command.context_class(command)
    path = ["workbench"]
    for word in words:
        if not hasattr(command, "list_commands") or word.startswith("-"):
            break
        sub = command.get_command(ctx, word)
        assert sub is not None, f"`{' '.join(path)}` has no command {word!r}"
        command, path = sub, [*path, word]
        ctx = command.context_class(command, parent=ctx)
    assert not hasattr(command, "list_commands"), f"`{' '.join(path)}` needs a command"
    accepted = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    accepted.add("--help")
    for option in _options(words, short=True):
        assert option in accepted, f"`{' '.join(path)}` has no option {option}"


def _check_jupyter(executable: str, words: list[str]) -> None:
    sub = [word for word in words[:1] if not word.startswith("-")]
    shown = subprocess.run(
        [executable, *sub, "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert shown.returncode == 0, f"`jupyter {' '.join(sub)} --help` failed:\n{shown.stderr}"
    for option in _options(words):
        assert option in shown.stdout, f"`jupyter {' '.join(sub)}` has no option {option}"
    if sub == ["lab"]:
        _check_lab_extension(executable)


def _check_lab_extension(jupyter: str) -> None:
    """The JupyterLab the README starts has the workbench extension, enabled."""
    listed = subprocess.run(
        [jupyter, "labextension", "list"], capture_output=True, text=True, timeout=120
    )
    line = next((x for x in listed.stdout.splitlines() + listed.stderr.splitlines()
                 if "workbench-lab" in x), "")  # fmt: skip
    if not line:
        skip_or_fail("workbench-lab is not installed: run `make install`")
    assert "enabled" in line and "OK" in line, f"workbench-lab is not enabled: {line}"


def _check_command(words: list[str]) -> None:
    """What a skipped block shows exists: ``make`` targets, ``workbench`` and ``jupyter``
    subcommands with their options, any other program on PATH."""
    program, rest = words[0], words[1:]
    bin_dir = Path(sys.executable).parent
    name = Path(program).name
    if name == "make":
        for target in (word for word in rest if not word.startswith("-")):
            dry = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True)
            assert dry.returncode == 0, f"the Makefile has no target {target!r}"
    elif name == "workbench":
        _check_workbench(rest)
    elif name == "jupyter":
        _check_jupyter(str(bin_dir / "jupyter"), rest)
    elif name in {"cd", "source", "export", "python", "pip"}:
        pass  # builtins, and the interpreter every reader has
    else:
        assert shutil.which(program, path=f"{bin_dir}{os.pathsep}{os.environ['PATH']}"), (
            f"{program} is not installed"
        )


def test_every_skip_marker_names_its_reason() -> None:
    """A block left out of the run says why, and every marker is one the test knows."""
    wrong = [f"{b.id}: {b.problem}" for b in ALL_BLOCKS if b.problem]
    assert not wrong, "\n".join(wrong)
    assert any(b.mode == "run" for b in ALL_BLOCKS), "no block to run: the parser is broken"


SAMPLE = """# Sample

<!-- docs: skip -->
```bash
make demo
```

<!-- docs: setup
```python
rows = [1, 2]
```
-->
```python
print(rows)
```

- In a list:

  <!-- docs: serve — answers one request -->
  ```bash
  workbench serve m --port 8000
  curl localhost:8000/health
  ```

<!-- docs: skip — needs your data -->

A paragraph: the marker above applies to no block.

```console
$ workbench runs list
0 run(s)
```

```yaml
not: run
```
"""


def test_markers_are_read_as_documented(tmp_path: Path) -> None:
    document = tmp_path / "SAMPLE.md"
    document.write_text(SAMPLE)
    found = [(b.id, b.language, b.mode, b.reason, b.code) for b in blocks(document, "S.md")]
    assert found == [
        ("S.md:L4", "shell", "skip", "", "make demo\n"),
        ("S.md:L9", "python", "setup", "", "rows = [1, 2]\n"),
        ("S.md:L13", "python", "run", "", "print(rows)\n"),
        ("S.md:L20", "shell", "serve", "answers one request",
         "workbench serve m --port 8000\ncurl localhost:8000/health\n"),
        ("S.md:L29", "shell", "run", "", "workbench runs list\n"),
    ]  # fmt: skip
    (unexplained,) = [b for b in blocks(document, "S.md") if b.problem]
    assert unexplained.line == 4 and "needs a reason" in unexplained.problem


@pytest.mark.slow
@pytest.mark.timeout(DOCUMENT_TIMEOUT + 120)
@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda block: block.id)
def test_block_runs_as_written(block: Block, document_runs: Any) -> None:
    if block.problem:
        pytest.fail(f"{block.id}: {block.problem}")
    if block.mode == "skip":
        if block.language == "shell":
            for words in _commands(block.code):
                _check_command(words)
        pytest.skip(f"{block.id} not run: {block.reason}")
    results, output = document_runs(block.document)
    result = results.get(block.id)
    if result is None:
        pytest.fail(f"{block.id} did not run (the document stopped before it):\n{output[-6000:]}")
    if result["error"]:
        kind = "hidden setup block" if block.mode == "setup" else "block"
        pytest.fail(f"{kind} {block.id} failed:\n{block.code}\n{result['error']}")


@pytest.mark.slow
@pytest.mark.timeout(DOCUMENT_TIMEOUT + 120)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_examples_write_only_what_the_repository_ignores(document: str, document_runs: Any) -> None:
    """A reader runs the examples at the repository's root: what they write (exported
    packages, HTML reports) is ignored by .gitignore, so it never lands in a commit."""
    results, _ = document_runs(document)
    written = sorted({path for result in results.values() for path in result["written"]})
    if not written:
        return
    ignored = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "--no-index", "--stdin"],
        input="\n".join(written) + "\n",
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    kept = [path for path in written if path not in ignored]
    assert not kept, f"{document}'s examples write files .gitignore does not ignore: {kept}"
