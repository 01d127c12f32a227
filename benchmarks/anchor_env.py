"""The MLflow anchor virtualenv (``.bench-venv/``): created once, reused afterwards.

MLflow is never a dependency of workbench: it lives only in this separate environment,
which the benchmark drives through subprocesses.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MLFLOW_REQUIREMENT = "mlflow>=3,<4"
# Libraries the anchor cases train with (benchmarks/autolog.py: mlflow.lightgbm.autolog).
ANCHOR_EXTRAS = ("lightgbm",)
_PIP_SHOWN = ("Successfully", "ERROR", "error:")  # pip lines worth showing as they come


@dataclass(frozen=True)
class AnchorEnv:
    """Where the anchor interpreter is, or why there is none."""

    python: Path | None
    mlflow_version: str | None
    problem: str | None = None


def _say(message: str) -> None:
    print(f"[bench-venv] {message}", flush=True)


def _mlflow_version(python: Path) -> str | None:
    """The MLflow version importable by ``python``, or None."""
    if not python.exists():
        return None
    try:
        probe = subprocess.run(
            [str(python), "-c", "import importlib.metadata as m; print(m.version('mlflow'))"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    version = probe.stdout.strip()
    return version if probe.returncode == 0 and version else None


def _acceptable(version: str | None) -> bool:
    return version is not None and version.split(".")[0] == "3"


def _run_streamed(command: list[str], label: str) -> int:
    """Run ``command``, showing a short progress line for the interesting pip lines."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    assert process.stdout is not None
    collected = 0
    tail: list[str] = []
    for raw in process.stdout:
        line = raw.rstrip()
        tail = [*tail[-19:], line]
        if line.startswith("Collecting"):
            collected += 1
            if collected % 10 == 1:
                elapsed = time.perf_counter() - started
                _say(f"{label}: {collected} packages resolved so far ({elapsed:.0f} s) ...")
        elif line.startswith(_PIP_SHOWN):
            _say(f"{label}: {line[:160]}")
    code = process.wait()
    if code != 0:
        for line in tail:
            _say(f"  | {line}")
    return code


def ensure_anchor_env(root: Path) -> AnchorEnv:
    """Create ``root/.bench-venv`` with MLflow 3 if it is missing; reuse it if present."""
    venv = root / ".bench-venv"
    python = venv / "bin" / "python"
    version = _mlflow_version(python)
    if _acceptable(version):
        _say(f"reusing {venv} (mlflow {version})")
        return _with_extras(python, version)
    started = time.perf_counter()
    if not python.exists():
        _say(f"creating {venv} with {sys.executable} -m venv ...")
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], check=False)
        if made.returncode != 0 or not python.exists():
            return AnchorEnv(None, None, f"python -m venv {venv} failed")
        _run_streamed(
            [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], "upgrade pip"
        )
    else:
        _say(f"{venv} exists but has no MLflow 3 (found: {version}); installing it")
    _say(f'installing "{MLFLOW_REQUIREMENT}" (one time, a few minutes) ...')
    code = _run_streamed(
        [str(python), "-m", "pip", "install", "--progress-bar", "off", MLFLOW_REQUIREMENT],
        "pip",
    )
    version = _mlflow_version(python)
    if code != 0 or not _acceptable(version):
        return AnchorEnv(None, None, f"pip install {MLFLOW_REQUIREMENT!r} failed (exit {code})")
    _say(f"ready: mlflow {version} in {time.perf_counter() - started:.0f} s")
    return _with_extras(python, version)


def _with_extras(python: Path, version: str | None) -> AnchorEnv:
    """The anchor env once ``ANCHOR_EXTRAS`` import there (installed if missing)."""
    probe = "import " + ", ".join(ANCHOR_EXTRAS)
    if subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0:
        return AnchorEnv(python, version)
    _say(f"installing {' '.join(ANCHOR_EXTRAS)} into the anchor venv ...")
    command = [str(python), "-m", "pip", "install", "--progress-bar", "off", *ANCHOR_EXTRAS]
    code = _run_streamed(command, "pip")
    if code != 0:
        return AnchorEnv(None, None, f"pip install {' '.join(ANCHOR_EXTRAS)} failed (exit {code})")
    return AnchorEnv(python, version)


# Evidently 0.7 (the drift anchor, benchmarks/drift.py) imports pandas internals that
# pandas 3 removed, so it needs pandas < 3 beside it; MLflow 3 accepts pandas 2.
EVIDENTLY_REQUIREMENTS = ("evidently>=0.7,<0.8", "pandas<3")
_PROBE_EVIDENTLY = (
    "import importlib.metadata as m, evidently, evidently.presets; print(m.version('evidently'))"
)


def _evidently_version(python: Path) -> str | None:
    """The Evidently version that ``python`` can really import (not just has installed)."""
    try:
        probe = subprocess.run(
            [str(python), "-c", _PROBE_EVIDENTLY], capture_output=True, text=True, timeout=300
        )
    except (OSError, subprocess.SubprocessError):
        return None
    version = probe.stdout.strip()
    return version if probe.returncode == 0 and version.startswith("0.7.") else None


def _would_touch_mlflow(python: Path) -> bool:
    """Whether installing Evidently into ``python``'s venv would change its MLflow."""
    command = [str(python), "-m", "pip", "install", "--dry-run", *EVIDENTLY_REQUIREMENTS]
    plan = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in plan.stdout.splitlines() if line.startswith("Would install")]
    return plan.returncode != 0 or any("mlflow" in line.lower() for line in lines)


def ensure_evidently_env(root: Path) -> AnchorEnv:
    """Evidently 0.7 in ``.bench-venv`` (beside MLflow), or in ``.bench-venv-evidently``
    when installing it there would change MLflow. ``mlflow_version`` holds Evidently's."""
    base = ensure_anchor_env(root)
    python = base.python
    if python is not None:
        version = _evidently_version(python)
        if version:
            _say(f"reusing {python.parent.parent} (evidently {version})")
            return AnchorEnv(python, version)
        if _would_touch_mlflow(python):
            _say("installing Evidently would change MLflow here: using .bench-venv-evidently")
            python = None
    if python is None:
        venv = root / ".bench-venv-evidently"
        python = venv / "bin" / "python"
        version = _evidently_version(python) if python.exists() else None
        if version:
            _say(f"reusing {venv} (evidently {version})")
            return AnchorEnv(python, version)
        if not python.exists():
            _say(f"creating {venv} with {sys.executable} -m venv ...")
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=False)
            if not python.exists():
                return AnchorEnv(None, None, f"python -m venv {venv} failed")
    _say(f"installing {' '.join(EVIDENTLY_REQUIREMENTS)} into {python.parent.parent} ...")
    command = [str(python), "-m", "pip", "install", "--progress-bar", "off"]
    code = _run_streamed([*command, *EVIDENTLY_REQUIREMENTS], "pip")
    version = _evidently_version(python)
    if code != 0 or version is None:
        return AnchorEnv(None, None, f"pip install {EVIDENTLY_REQUIREMENTS} failed (exit {code})")
    if base.python == python and not _acceptable(_mlflow_version(python)):
        _say("warning: MLflow in .bench-venv no longer imports after the Evidently install")
    return AnchorEnv(python, version)


if __name__ == "__main__":
    env = ensure_anchor_env(Path(__file__).resolve().parent.parent)
    print(env)
    sys.exit(0 if env.python else 1)
