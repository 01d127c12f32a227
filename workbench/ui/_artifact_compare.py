r"""The artifacts of several runs, compared: images side by side (one row per artifact path,
one column per run) and text files diffed against the first run's, only where they differ.

>>> diff = unified_diff("a\nb\n", "a\nc\n", "x.txt (run 1)", "x.txt (run 2)")
>>> '<span class="wb-diff-add">+c</span>' in diff
True
"""

from __future__ import annotations

import base64
import difflib
import html
import json
import mimetypes
from collections.abc import Callable, Mapping
from typing import Any

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")
TEXT_SUFFIXES = (".txt", ".log", ".md", ".json", ".yaml", ".yml", ".csv", ".py", ".toml")
MAX_IMAGE_BYTES = 4 * 1024 * 1024  # larger images are listed, not drawn
MAX_TEXT_BYTES = 1024 * 1024  # larger text files are listed, not diffed
MAX_DIFF_LINES = 2000  # of one diff shown (the rest counted)

ARTIFACTS_CSS = """
.wb-artifact-scroll{overflow:auto;max-width:100%;max-height:640px;border:1px solid #e3e3e3;
border-radius:4px}
.wb-image-compare{border-collapse:collapse;font-size:13px}
.wb-image-compare th,.wb-image-compare td{padding:6px 8px;text-align:left;vertical-align:top;
border-bottom:1px solid #ddd}
.wb-image-compare td{min-width:220px;max-width:480px}
.wb-image-compare img{max-width:100%;max-height:360px;display:block}
.wb-artifact-missing{color:#999;font-style:italic}
.wb-diff{margin:0;padding:6px 0;font-size:12px;line-height:1.4;white-space:pre;width:max-content;
min-width:100%}
.wb-diff span{display:block;padding:0 8px}
.wb-diff .wb-diff-add{background:#e6ffec;color:#116329}
.wb-diff .wb-diff-del{background:#ffebe9;color:#82071e}
.wb-diff .wb-diff-hunk{background:#ddf4ff;color:#0550ae}
.wb-diff .wb-diff-file{font-weight:600}
.wb-diff-path{margin:12px 0 4px;font-size:13px;font-weight:600;font-family:monospace}
.wb-identical{color:#555;font-size:13px}
"""

Reader = Callable[[str, str], bytes]


def _is(path: str, suffixes: tuple[str, ...]) -> bool:
    return path.lower().endswith(suffixes)


def _by_path(details: Mapping[str, Any], suffixes: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Artifact path → {run id: artifact record}, for the paths ending in ``suffixes``."""
    found: dict[str, dict[str, Any]] = {}
    for run_id, detail in details.items():
        for artifact in detail.artifacts:
            if _is(artifact.path, suffixes):
                found.setdefault(artifact.path, {})[run_id] = artifact
    return dict(sorted(found.items()))


def _image(read: Reader, run_id: str, artifact: Any) -> str:
    if artifact.size > MAX_IMAGE_BYTES:
        return (
            f'<span class="wb-artifact-missing">too large to show ({artifact.size:,} bytes)</span>'
        )
    mime = mimetypes.guess_type(artifact.path)[0] or "image/png"
    encoded = base64.b64encode(read(run_id, artifact.path)).decode()
    return (
        f'<img class="wb-compare-image" alt="{html.escape(artifact.path, quote=True)}" '
        f'src="data:{mime};base64,{encoded}">'
    )


def images_side_by_side(
    details: Mapping[str, Any], headers: Mapping[str, str], read: Reader
) -> str:
    """A table of the runs' image artifacts: a row per path, a column per run (``headers``
    maps a run id to its column's HTML); empty when no run logged an image."""
    images = _by_path(details, IMAGE_SUFFIXES)
    if not images:
        return ""
    head = "".join(f"<th>{headers[run_id]}</th>" for run_id in details)
    rows = []
    for path, runs in images.items():
        cells = "".join(
            f"<td>{_image(read, run_id, runs[run_id])}</td>"
            if run_id in runs
            else '<td class="wb-artifact-missing">missing</td>'
            for run_id in details
        )
        rows.append(f'<tr data-path="{html.escape(path, quote=True)}"><th>{html.escape(path)}'
                    f"</th>{cells}</tr>")  # fmt: skip
    return (
        '<div class="wb-artifact-scroll"><table class="wb-image-compare"><thead><tr>'
        f"<th>artifact</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _as_text(path: str, data: bytes) -> str:
    """The file as text; JSON pretty-printed (key order kept) so a change shows as lines."""
    text = data.decode("utf-8", errors="replace")
    if _is(path, (".json",)):
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
        except ValueError:
            pass
    return text


def unified_diff(before: str, after: str, before_name: str, after_name: str) -> str:
    """A unified diff of two texts as HTML, added and removed lines coloured."""
    lines = list(
        difflib.unified_diff(
            before.splitlines(), after.splitlines(), before_name, after_name, lineterm=""
        )
    )
    more = len(lines) - MAX_DIFF_LINES
    shown: list[str] = []
    for line in lines[:MAX_DIFF_LINES]:
        css = ""
        if line.startswith(("---", "+++")) and len(shown) < 2:
            css = "wb-diff-file"
        elif line.startswith("@@"):
            css = "wb-diff-hunk"
        elif line.startswith("+"):
            css = "wb-diff-add"
        elif line.startswith("-"):
            css = "wb-diff-del"
        attribute = f' class="{css}"' if css else ""
        shown.append(f"<span{attribute}>{html.escape(line)}</span>")
    if more > 0:
        shown.append(f'<span class="wb-diff-hunk">… {more:,} more lines</span>')
    return f'<pre class="wb-diff">{"".join(shown)}</pre>'


def text_diffs(details: Mapping[str, Any], names: Mapping[str, str], read: Reader) -> str:
    """Each text artifact whose content differs between runs, diffed against the first run
    that has it; the identical ones are only named. Empty without text artifacts."""
    texts = _by_path(details, TEXT_SUFFIXES)
    if not texts:
        return ""
    identical, sections = [], []
    for path, runs in texts.items():
        digests = {artifact.sha256 for artifact in runs.values()}
        missing = [names[r] for r in details if r not in runs]
        if len(digests) == 1 and not missing:
            identical.append(path)
            continue
        body = []
        if missing:
            shown = html.escape(", ".join(missing))
            body.append(f'<p class="wb-artifact-missing">missing in {shown}</p>')
        too_large = [names[r] for r, a in runs.items() if a.size > MAX_TEXT_BYTES]
        if too_large:
            body.append(f"<p>Too large to diff (over {MAX_TEXT_BYTES // 1024:,} KB) in "
                        f"{html.escape(', '.join(too_large))}.</p>")  # fmt: skip
        elif len(digests) > 1:
            (base, first), *others = runs.items()
            before = _as_text(path, read(base, path))
            for run_id, artifact in others:
                if artifact.sha256 == first.sha256:
                    continue
                after = _as_text(path, read(run_id, path))
                diff = unified_diff(
                    before, after, f"{path} ({names[base]})", f"{path} ({names[run_id]})"
                )
                body.append(f'<div class="wb-artifact-scroll">{diff}</div>')
        sections.append(
            f'<section class="wb-text-diff" data-path="{html.escape(path, quote=True)}">'
            f'<div class="wb-diff-path">{html.escape(path)}</div>{"".join(body)}</section>'
        )
    if identical:
        sections.append(
            f'<p class="wb-identical">Identical in every run: '
            f"{html.escape(', '.join(identical))}</p>"
        )
    return f'<div class="wb-text-compare">{"".join(sections)}</div>'
