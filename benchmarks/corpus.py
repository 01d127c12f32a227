"""Real-notebook corpus benchmark: export + verify every notebook of the corpus.

For each notebook folder of the corpus (``../shared/corpus`` from the repository root, or
``WORKBENCH_CORPUS``), in fresh temporary copies of the folder:

- plain ``jupyter nbconvert --to notebook --execute`` (the anchor);
- ``workbench export NB --verify`` as a user runs it, in an isolated project (the copy is
  ``WORKBENCH_HOME``).

It records the verdict, both times, the budget ``2 × nbconvert + 10 s`` and whether the
outcome passes: reproduced or within tolerance, or, for a notebook ``SOURCES.md`` marks
unseeded, the unseeded randomness reported. Target: at least 90 % pass.

    .venv/bin/python benchmarks/corpus.py [--only NAME ...] [--jobs N] [--keep DIR]

Writes ``benchmarks/corpus_results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "corpus_results.json"
BIN = Path(sys.executable).parent
TARGET_SHARE = 0.9
CELL_TIMEOUT = 600
OK_VERDICTS = ("reproduced", "within tolerance")
UNSEEDED = "unseeded randomness"
# What the verification says when it finds unseeded randomness (two runs that differ, or a
# diverged step that draws random numbers without a seed).
RANDOMNESS_MARKERS = ("unseeded randomness", "between two runs", "without a seed")
PLACE = re.compile(r"cell (\d+), line (\d+)")


def corpus_dir() -> Path:
    """The corpus: ``WORKBENCH_CORPUS``, else ``../shared/corpus`` from the repository."""
    return Path(os.environ.get("WORKBENCH_CORPUS") or ROOT.parent / "shared" / "corpus")


def unseeded_notebooks(corpus: Path) -> dict[str, bool]:
    """Folder name → True when ``SOURCES.md`` marks the notebook unseeded (field 7 of a
    ``short_name | repo | path | ... | deterministic or unseeded | runtime`` line)."""
    marks: dict[str, bool] = {}
    for line in (corpus / "SOURCES.md").read_text().splitlines():
        fields = [field.strip() for field in line.split(" | ")]
        if len(fields) >= 7 and (corpus / fields[0]).is_dir():
            marks[fields[0]] = fields[6].lower().startswith("unseeded")
    return marks


def notebook_in(folder: Path) -> Path:
    notebooks = sorted(folder.glob("*.ipynb"))
    if len(notebooks) != 1:
        raise ValueError(f"{folder} must hold exactly one .ipynb, found {len(notebooks)}")
    return notebooks[0]


@dataclass
class Outcome:
    """What ``workbench export NB --verify`` made of a notebook."""

    verdict: str  # the one line shown in the table
    passed: bool
    exit_code: int
    randomness: str | None  # the warning reporting unseeded randomness, if any
    raw_traceback: bool  # the user saw a Python traceback instead of a message
    detail: str  # the verdict line, warnings and error, for the triage


def judge(exit_code: int, stdout: str, stderr: str, unseeded: bool) -> Outcome:
    """Read the CLI's output: ``Verdict: ...`` on stdout, ``warning: ...`` and
    ``error: ...`` on stderr (see ``workbench/cli/_output.py``)."""
    verdicts = [
        line[len("Verdict: ") :] for line in stdout.splitlines() if line.startswith("Verdict: ")
    ]
    lines = [line.strip() for line in stderr.splitlines()]
    warnings = [line[len("warning: ") :] for line in lines if line.startswith("warning: ")]
    errors = [line for line in lines if line.startswith("error: ")]
    raw_traceback = "Traceback (most recent call last)" in stderr
    randomness = next((w for w in warnings if any(m in w for m in RANDOMNESS_MARKERS)), None)
    detail = "\n".join([*(f"Verdict: {v}" for v in verdicts), *warnings, *errors])
    if not verdicts:
        last = errors[-1] if errors else next((x for x in reversed(lines) if x), "no output")
        message = last.removeprefix("error: ")
        return Outcome(f"error: {message}", False, exit_code, None, raw_traceback, detail or last)
    verdict = verdicts[-1]
    named = verdict.startswith(UNSEEDED)  # the verdict itself names the unseeded call
    randomness = verdict if named else randomness
    ok = verdict in OK_VERDICTS or named
    if verdict == "not verified":
        failed = next((w for w in warnings if w.startswith("not verified: ")), "")
        verdict = f"not verified: {failed.removeprefix('not verified: ') or 'no reason given'}"
    elif randomness is not None and not named:
        place = PLACE.search(randomness)
        where = f" at cell {place[1]} line {place[2]}" if place else " (not located)"
        verdict = f"{UNSEEDED}{where}" + ("" if ok else f"; {verdict}")
    if unseeded:
        # reported either way: marked and skipped, or named as the cause of a divergence
        passed = randomness is not None and (ok or verdicts[-1].startswith("diverged"))
    else:
        # a deterministic notebook whose values were compared by kind and shape only fails
        passed = ok and randomness is None
    return Outcome(verdict, passed, exit_code, randomness, raw_traceback, detail)


def fresh_copy(folder: Path, parent: Path, label: str) -> Path:
    target = parent / f"{folder.name}-{label}"
    shutil.copytree(folder, target)
    for path in (target, *target.rglob("*")):  # the corpus is read-only; a user's copy is not
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return target


def isolated_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WORKBENCH_")}
    env["WORKBENCH_HOME"] = str(home)
    env["PYTHONUTF8"] = "1"
    return env


def time_nbconvert(folder: Path, work: Path) -> tuple[float, str | None]:
    """Seconds of a plain nbconvert execution of a fresh copy (and its error, if it failed)."""
    copy = fresh_copy(folder, work, "nbconvert")
    notebook = notebook_in(copy)
    command = [
        str(BIN / "jupyter"),
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        f"--ExecutePreprocessor.timeout={CELL_TIMEOUT}",
        "--output-dir",
        str(work / "nbconvert-out"),
        "--output",
        "executed",
        notebook.name,
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=copy, env=isolated_env(copy), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        return seconds, (done.stderr.strip().splitlines() or ["nbconvert failed"])[-1]
    return seconds, None


def time_export(folder: Path, work: Path, unseeded: bool) -> tuple[float, Outcome]:
    """Seconds of ``workbench export NB --verify`` in an isolated project, and its outcome."""
    copy = fresh_copy(folder, work, "export")
    notebook = notebook_in(copy)
    command = [str(BIN / "workbench"), "export", notebook.name, "--verify"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=copy, env=isolated_env(copy), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    (work / "export-stdout.txt").write_text(done.stdout)
    (work / "export-stderr.txt").write_text(done.stderr)
    return seconds, judge(done.returncode, done.stdout, done.stderr, unseeded)


@dataclass
class Row:
    notebook: str
    unseeded: bool
    verdict: str
    passed: bool
    export_verify_s: float
    nbconvert_s: float
    budget_s: float
    budget_met: bool
    nbconvert_error: str | None
    raw_traceback: bool
    detail: str


def measure(folder: Path, unseeded: bool, keep: Path | None) -> Row:
    work = Path(tempfile.mkdtemp(prefix=f"corpus-{folder.name}-", dir=keep))
    try:
        plain, plain_error = time_nbconvert(folder, work)
        seconds, outcome = time_export(folder, work, unseeded)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    budget = 2 * plain + 10
    return Row(
        folder.name,
        unseeded,
        outcome.verdict,
        outcome.passed,
        round(seconds, 1),
        round(plain, 1),
        round(budget, 1),
        seconds <= budget,
        plain_error,
        outcome.raw_traceback,
        outcome.detail,
    )


def render(rows: list[Row]) -> str:
    headers = ("notebook", "pass", "verdict", "export+verify s", "nbconvert s", "budget s", "met")
    table = [headers] + [
        (
            row.notebook,
            "yes" if row.passed else "NO",
            row.verdict if len(row.verdict) <= 90 else row.verdict[:87] + "...",
            f"{row.export_verify_s:.1f}",
            f"{row.nbconvert_s:.1f}" + (" (failed)" if row.nbconvert_error else ""),
            f"{row.budget_s:.1f}",
            "yes" if row.budget_met else "NO",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    lines = [" | ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)) for line in table]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", metavar="NAME", help="a corpus folder")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks measured at once")
    parser.add_argument("--keep", type=Path, help="keep the copies and packages under DIR")
    parser.add_argument("--output", type=Path, default=RESULTS, help="the JSON results file")
    args = parser.parse_args()
    from tqdm import tqdm

    corpus = corpus_dir()
    if not (corpus / "SOURCES.md").is_file():
        sys.exit(f"no corpus at {corpus}: set WORKBENCH_CORPUS to the folder holding SOURCES.md")
    marks = unseeded_notebooks(corpus)
    names = sorted(marks)
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            sys.exit(f"not in the corpus: {', '.join(unknown)}; known: {', '.join(names)}")
        names = [name for name in names if name in args.only]
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with (
        ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool,
        tqdm(total=len(names), desc="corpus", unit="notebook") as progress,
    ):

        def one(name: str) -> Row:
            progress.set_postfix_str(name)
            row = measure(corpus / name, marks[name], args.keep)
            progress.update()
            return row

        rows = list(pool.map(one, names))
    passed = sum(row.passed for row in rows)
    share = passed / len(rows) if rows else 0.0
    print(render(rows))
    print(
        f"\npass: {passed}/{len(rows)} = {share:.0%} (target ≥ {TARGET_SHARE:.0%}); "
        f"budget met: {sum(row.budget_met for row in rows)}/{len(rows)}"
    )
    for row in rows:
        if not row.passed:
            print(f"\n!! {row.notebook}\n   " + row.detail.replace("\n", "\n   "))
    meta = {
        "corpus": str(corpus),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "jobs": args.jobs,
        "total_s": round(time.perf_counter() - started, 1),
        "pass_share": round(share, 3),
        "target_share": TARGET_SHARE,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "notebooks": [asdict(row) for row in rows]}
    args.output.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
