"""The code blocks of a Markdown document, as a reader sees them, with what the docs test
does with each.

A fenced block of Python (```python) or shell (```bash, ```sh, ```shell, ```console) is run
as written. An HTML comment on the line before a block changes that:

- ``<!-- docs: skip — <reason> -->``: not run (it serves until stopped, installs from the
  network, needs a file the reader brings); the reason is required and printed.
- ``<!-- docs: serve — <why> -->`` on a shell block whose first line starts a server
  (``--port N``): the server runs in the background on a free port (``N`` is replaced in
  the whole block), the other lines run against it once it answers, then it is stopped.
- ``<!-- docs: setup`` ... ``-->`` around a fenced block: hidden from the reader (the whole
  comment is one HTML block), run before the blocks that follow it, to make what they need
  (a data frame, a CSV file, a trained model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = {"python": "python", "bash": "shell", "sh": "shell", "shell": "shell"}
LANGUAGES["console"] = "shell"
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
DIRECTIVE = re.compile(r"^<!--\s*docs:\s*(?P<word>[a-z]+)\s*(?P<rest>.*?)\s*(?P<end>-->)?\s*$")
REASON_SEPARATOR = re.compile(r"^[—–:-]+\s*")
SERVER_PORT = re.compile(r"--port[ =](\d+)")


@dataclass(frozen=True)
class Block:
    """One runnable block. ``mode`` is ``run``, ``setup``, ``serve`` or ``skip`` (with ``reason``);
    ``problem`` names a malformed marker (the block's test fails with it)."""

    document: str
    line: int  # of the opening fence, 1-based
    language: str  # python | shell
    code: str
    mode: str = "run"
    reason: str = ""
    problem: str = ""

    @property
    def id(self) -> str:
        return f"{self.document}:L{self.line}"


def _console_commands(lines: list[str]) -> list[str]:
    """A console transcript: the ``$ `` lines are the commands, the rest is their output."""
    return [line[2:] for line in lines if line.startswith("$ ")]


def _directive(line: str) -> tuple[str, str, str, bool] | None:
    """(mode, reason, problem, closed on this line) for a ``<!-- docs: ... -->`` line."""
    found = DIRECTIVE.match(line.strip())
    if found is None:
        return None
    word, rest, closed = found["word"], found["rest"], found["end"] is not None
    if word == "skip":
        reason = REASON_SEPARATOR.sub("", rest)
        problem = "" if reason else "`<!-- docs: skip -->` needs a reason: `skip — <why>`"
        return "skip", reason, problem, closed
    if word in ("setup", "serve"):
        return word, REASON_SEPARATOR.sub("", rest), "", closed
    return "run", "", f"unknown docs marker {word!r} (skip, serve or setup)", closed


def blocks(document: Path, name: str) -> list[Block]:
    """Every Python and shell block of ``document`` (shown as ``name``), in order."""
    lines = document.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    pending: tuple[str, str, str] | None = None  # a marker waiting for its block
    hidden_setup = False  # inside `<!-- docs: setup` ... `-->`
    index = 0
    while index < len(lines):
        line = lines[index]
        marker = _directive(line)
        if marker is not None:
            mode, reason, problem, closed = marker
            pending = (mode, reason, problem)
            hidden_setup = mode == "setup" and not closed
            index += 1
            continue
        if hidden_setup and line.strip() == "-->":
            hidden_setup, pending = False, None
            index += 1
            continue
        opening = FENCE.match(line.lstrip())  # indented inside a list item too
        if opening is None:
            if line.strip() and not hidden_setup:
                pending = None  # a marker applies to the block right after it
            index += 1
            continue
        fence, info = opening["fence"], opening["info"].lower()
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        # A fence indented by n spaces (in a list item) takes up to n spaces off each line.
        indent = len(line) - len(line.lstrip())
        body = [
            text[min(indent, len(text) - len(text.lstrip())) :] for text in lines[index + 1 : end]
        ]
        if info in LANGUAGES:
            code_lines = _console_commands(body) if info == "console" else body
            mode, reason, problem = pending or ("run", "", "")
            if mode == "serve" and not SERVER_PORT.search(code_lines[0] if code_lines else ""):
                problem = "a `serve` block starts with the server's command and its --port N"
            found.append(
                Block(
                    document=name,
                    line=index + 1,
                    language=LANGUAGES[info],
                    code="\n".join(code_lines) + "\n",
                    mode=mode,
                    reason=reason,
                    problem=problem,
                )
            )
        if not hidden_setup:
            pending = None
        index = end + 1
    return found
