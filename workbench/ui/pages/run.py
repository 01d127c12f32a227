"""``/run?id=ID``: everything about one run — attributes, environment and git commit,
params, metrics (with their histories), tags, child runs, datasets, artifacts (images and
text shown inline) and the model versions it produced."""

from __future__ import annotations

import base64
import html
import mimetypes
from datetime import UTC, datetime
from typing import Any

import panel as pn
import param

import workbench as wb
from workbench.tracking.queries import read_artifact
from workbench.ui._artifact_compare import IMAGE_SUFFIXES, TEXT_SUFFIXES
from workbench.ui._layout import RenderedView, empty_state, page, query_arg, run_link
from workbench.ui._plots import history_overlay
from workbench.ui.pages.compare import TABLE_CSS

INLINE_LIMIT = 256 * 1024  # bytes of an artifact shown inline
MAX_HISTORIES = 8


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "—"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def key_values(rows: dict[str, Any], css_class: str) -> str:
    if not rows:
        return "<p>None.</p>"
    body = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in rows.items()
    )
    return f'<table class="wb-compare-params {css_class}"><tbody>{body}</tbody></table>'


def _model_versions(run_id: str) -> list[dict[str, Any]]:
    found = []
    models = wb.models.list_models()
    for name in models["name"] if len(models) else []:
        versions = wb.models.versions(name)
        for _, row in versions[versions["run_id"] == run_id].iterrows():
            found.append({"model": name, "version": int(row["version"]),
                          "aliases": ", ".join(row.get("aliases") or [])})  # fmt: skip
    return found


def artifact_preview(run_id: str, path: str, size: int) -> Any:
    """An image or a text artifact shown inline; other files are only listed."""
    lower = path.lower()
    if size > INLINE_LIMIT or not lower.endswith(TEXT_SUFFIXES + IMAGE_SUFFIXES):
        return None
    data = read_artifact(run_id, path)
    if lower.endswith(IMAGE_SUFFIXES):
        mime = mimetypes.guess_type(path)[0] or "image/png"
        encoded = base64.b64encode(data).decode()
        return pn.pane.HTML(
            f'<img class="wb-artifact-image" alt="{html.escape(path)}" '
            f'src="data:{mime};base64,{encoded}" style="max-width:100%">'
        )
    text = data.decode("utf-8", errors="replace")
    return pn.pane.HTML(f'<pre class="wb-artifact-text">{html.escape(text)}</pre>')


class RunView(RenderedView):
    """One run in full."""

    run_id = param.String(default="")

    def render(self) -> list[Any]:
        detail = wb.get_run(self.run_id)
        info = detail.info
        duration = f"{info.end_time - info.start_time:.2f} s" if info.end_time else "running"
        git = info.git_commit or "—"
        if info.git_commit and info.git_dirty:
            git += " (uncommitted changes)"
        attributes = {
            "id": info.id, "experiment": info.experiment, "status": info.status,
            "started": _when(info.start_time), "duration": duration, "user": info.user,
            "host": info.host, "source": f"{info.source} ({info.source_type})",
            "git commit": git,
        }  # fmt: skip
        if info.parent_id:
            attributes["parent"] = info.parent_id
        objects: list[Any] = [
            pn.pane.HTML(
                f'<h2 class="wb-run-title">{html.escape(info.name)} '
                f'<small class="wb-run-status">{info.status}</small></h2>'
            ),
            pn.pane.HTML(key_values(attributes, "wb-attributes"), stylesheets=[TABLE_CSS]),
        ]
        if info.parent_id:
            objects.append(pn.pane.HTML(f"<p>Parent run: {run_link(info.parent_id)}</p>"))
        sections = [
            ("Params", key_values(detail.params, "wb-params")),
            ("Metrics", key_values({k: f"{v:.6g}" for k, v in detail.metrics.items()},
                                   "wb-metrics")),
            ("Tags", key_values(detail.tags, "wb-tags")),
        ]  # fmt: skip
        for title, body in sections:
            objects += [
                pn.pane.Markdown(f"### {title}"),
                pn.pane.HTML(body, stylesheets=[TABLE_CSS]),
            ]
        objects += self._histories(detail)
        objects += self._children(detail.children)
        objects += self._datasets(detail)
        objects += self._artifacts(detail)
        objects += self._models(info.id)
        objects += self._environment(detail)
        return objects

    def _histories(self, detail: Any) -> list[Any]:
        plots = []
        for key in sorted(detail.metrics):
            points = wb.metric_history(detail.info.id, key)
            if len(points) > 1:
                plots.append(history_overlay(key, [(detail.info.name, points)], height=220))
            if len(plots) == MAX_HISTORIES:
                break
        if not plots:
            return []
        import holoviews as hv

        layout = hv.Layout(plots).cols(2)
        return [pn.pane.Markdown("### Metric histories"),
                pn.pane.HoloViews(layout, sizing_mode="stretch_width")]  # fmt: skip

    def _children(self, children: list[str]) -> list[Any]:
        if not children:
            return []
        links = "".join(f"<li>{run_link(child)}</li>" for child in children)
        return [pn.pane.Markdown(f"### Child runs ({len(children)})"),
                pn.pane.HTML(f'<ul class="wb-children">{links}</ul>')]  # fmt: skip

    def _datasets(self, detail: Any) -> list[Any]:
        if not detail.datasets:
            return []
        rows = "".join(
            f"<tr><td>{html.escape(d.role)}</td><td>{html.escape(d.name)}</td>"
            f"<td>{d.n_rows:,} × {d.n_cols}</td><td><code>{d.fingerprint[:16]}</code></td></tr>"
            for d in detail.datasets
        )
        table = (
            '<table class="wb-compare-params wb-datasets"><thead><tr><th>role</th><th>name</th>'
            f"<th>shape</th><th>fingerprint</th></tr></thead><tbody>{rows}</tbody></table>"
        )
        return [pn.pane.Markdown("### Datasets"), pn.pane.HTML(table, stylesheets=[TABLE_CSS])]

    def _artifacts(self, detail: Any) -> list[Any]:
        if not detail.artifacts:
            return []
        objects: list[Any] = [pn.pane.Markdown("### Artifacts")]
        for artifact in detail.artifacts:
            objects.append(
                pn.pane.HTML(
                    f'<p class="wb-artifact"><b>{html.escape(artifact.path)}</b> '
                    f"({artifact.size:,} bytes, sha256 <code>{artifact.sha256[:12]}</code>)</p>"
                )
            )
            preview = artifact_preview(detail.info.id, artifact.path, artifact.size)
            if preview is not None:
                objects.append(preview)
        return objects

    def _models(self, run_id: str) -> list[Any]:
        versions = _model_versions(run_id)
        if not versions:
            return []
        items = "".join(
            f'<li><a href="/models?model={html.escape(v["model"])}">{html.escape(v["model"])}'
            f" v{v['version']}</a> {html.escape(str(v['aliases'] or ''))}</li>"
            for v in versions
        )
        return [pn.pane.Markdown("### Model versions"),
                pn.pane.HTML(f'<ul class="wb-model-versions">{items}</ul>')]  # fmt: skip

    def _environment(self, detail: Any) -> list[Any]:
        environment = detail.environment
        if environment is None:
            return []
        packages = "".join(
            f"<tr><td>{html.escape(name)}</td><td>{html.escape(version)}</td></tr>"
            for name, version in sorted(environment.packages.items())
        )
        return [
            pn.pane.Markdown("### Environment"),
            pn.pane.HTML(
                f'<p class="wb-environment">Python {html.escape(environment.python_version)} on '
                f"{html.escape(environment.platform)}</p><details><summary>"
                f"{len(environment.packages)} packages</summary>"
                f'<table class="wb-compare-params">{packages}</table></details>',
                stylesheets=[TABLE_CSS],
            ),
        ]


def view() -> pn.template.BaseTemplate:
    run_id = query_arg("id").strip()
    if not run_id:
        return page(
            "Run",
            "/run",
            empty_state("Run details", "Open a run from the [Runs](/runs) page."),
        )
    run = RunView(run_id=run_id)
    run.start_live_updates()
    return page("Run", "/run", run)
