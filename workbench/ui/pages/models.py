"""``/models``: the model registry — each model's versions with their aliases, promote and
rollback (both asking for confirmation first) and the alias history, newest first.
``/models?model=NAME`` opens one model (default: the first)."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import panel as pn
import param

import workbench as wb
from workbench.ui._layout import (
    LiveView,
    data_table,
    empty_state,
    error_box,
    page,
    query_arg,
    run_link,
)

SHORT_HASH = 12
VERSION_COLUMNS = ["version", "aliases", "run", "created", "format", "sha256", "dataset"]
HISTORY_COLUMNS = ["when", "alias", "action", "version", "previous", "user"]


def _short(value: Any) -> str:
    return str(value)[:SHORT_HASH] if isinstance(value, str) and value else ""


def versions_frame(versions: pd.DataFrame) -> pd.DataFrame:
    """One row per version, newest first: aliases, run, format, short hashes, metrics."""
    shown = pd.DataFrame(
        {
            "version": [f"v{v}" for v in versions["version"]],
            "aliases": [", ".join(a) for a in versions["aliases"]],
            "run": [run_link(r) if r else "" for r in versions["run_id"]],
            "created": pd.to_datetime(versions["created_at"])
            .dt.strftime("%Y-%m-%d %H:%M:%S")
            .to_numpy(),
            "format": [
                f"{f}/{fl}" for f, fl in zip(versions["format"], versions["flavor"], strict=True)
            ],
            "sha256": [_short(s) for s in versions["sha256"]],
            "dataset": [_short(s) for s in versions["dataset_fingerprint"]],
        }
    )
    for column in versions.columns:
        if column.startswith("metrics."):
            shown[column.removeprefix("metrics.")] = versions[column].to_numpy()
    return shown.iloc[::-1].reset_index(drop=True)


def history_frame(history: pd.DataFrame) -> pd.DataFrame:
    """Alias moves, newest first: when, which alias, promote or rollback, versions, who."""
    shown = pd.DataFrame(
        {
            "when": pd.to_datetime(history["timestamp"])
            .dt.strftime("%Y-%m-%d %H:%M:%S")
            .to_numpy(),
            "alias": history["alias"].to_numpy(),
            "action": history["action"].to_numpy(),
            "version": [f"v{v}" for v in history["version"]],
            "previous": ["" if pd.isna(v) else f"v{v}" for v in history["previous_version"]],
            "user": history["user"].to_numpy(),
        }
    )
    return shown.iloc[::-1].reset_index(drop=True)


def aliases_html(aliases: dict[str, int]) -> str:
    if not aliases:
        return '<p class="wb-aliases">No alias yet: promote a version to give it one.</p>'
    items = "".join(
        f'<li><span class="wb-alias" data-alias="{html.escape(alias, quote=True)}">'
        f"{html.escape(alias)} → v{version}</span></li>"
        for alias, version in sorted(aliases.items())
    )
    return f'<ul class="wb-aliases">{items}</ul>'


class ModelsView(LiveView):
    """One registered model: versions, aliases, promote / rollback with confirmation."""

    model: Any = param.Selector(default=None, objects=[], allow_None=True)

    def __init__(self, **params: Any) -> None:
        requested = params.pop("model", None)
        super().__init__(**params)
        self._pending: tuple[str, str, int | None] | None = None
        self._error = error_box()
        self._empty = empty_state(
            "No registered model yet",
            "Registering a model gives it numbered versions, aliases such as `champion`, and "
            "rollback. Log one from a tracked run:",
            'run.log_model(model, name="my-model")',
        )
        self._picker = pn.widgets.Select.from_param(
            self.param.model, label="Model", css_classes=["wb-model-picker"]
        )
        self._aliases = pn.pane.HTML("", sizing_mode="stretch_width")
        self._versions = data_table(
            pd.DataFrame(columns=VERSION_COLUMNS),
            "wb-model-versions",
            formatters={"run": {"type": "html"}},
            layout="fit_data_stretch",
        )
        self._history = data_table(
            pd.DataFrame(columns=HISTORY_COLUMNS),
            "wb-alias-history",
            pagination="local",
            page_size=20,
        )
        self._build_actions()
        self._body = pn.Column(
            self._picker,
            pn.pane.Markdown("#### Aliases"),
            self._aliases,
            pn.pane.Markdown("#### Versions"),
            self._versions,
            pn.pane.Markdown("#### Promote or roll back"),
            self._actions,
            pn.pane.Markdown("#### Alias history"),
            self._history,
            sizing_mode="stretch_width",
        )
        self._load_models(requested)

    def _build_actions(self) -> None:
        self._promote_version = pn.widgets.Select(
            label="Version", options={}, width=120, css_classes=["wb-promote-version"]
        )
        self._promote_alias = pn.widgets.TextInput(
            label="Alias", value="champion", width=160, css_classes=["wb-promote-alias"]
        )
        self._promote_button = pn.widgets.Button(
            label="Promote…", color="primary", css_classes=["wb-promote"], align="end"
        )
        self._rollback_alias = pn.widgets.Select(
            label="Alias", options=[], width=160, css_classes=["wb-rollback-alias"]
        )
        self._rollback_button = pn.widgets.Button(
            label="Roll back…", color="warning", css_classes=["wb-rollback"], align="end"
        )
        self._confirm_text = pn.pane.HTML("", align="center")
        self._confirm_button = pn.widgets.Button(
            label="Confirm", color="danger", css_classes=["wb-confirm"]
        )
        self._cancel_button = pn.widgets.Button(label="Cancel", css_classes=["wb-cancel"])
        self._confirm_row = pn.Row(
            self._confirm_text,
            self._confirm_button,
            self._cancel_button,
            visible=False,
            css_classes=["wb-confirm-step"],
        )
        self._result = pn.pane.HTML("", visible=False)
        self._promote_button.on_click(self._ask_promote)
        self._rollback_button.on_click(self._ask_rollback)
        self._confirm_button.on_click(self._confirm)
        self._cancel_button.on_click(self._cancel)
        self._actions = pn.Column(
            pn.Row(
                self._promote_version,
                self._promote_alias,
                self._promote_button,
                pn.Spacer(width=40),
                self._rollback_alias,
                self._rollback_button,
            ),
            self._confirm_row,
            self._result,
            self._error,
        )

    def _load_models(self, requested: str | None = None) -> None:
        names = [str(n) for n in wb.models.list_models()["name"]]
        self.param.model.objects = names
        if requested and requested not in names:
            self._error.show(
                f"No registered model named {requested!r}; models: {', '.join(names) or 'none'}."
            )
        chosen = requested if requested in names else self.model
        with param.parameterized.discard_events(self):
            self.model = chosen if chosen in names else (names[0] if names else None)
        self._picker.options = names
        self._picker.value = self.model
        self.refresh()

    def refresh(self) -> None:
        if self.model is None:
            known = wb.models.list_models()
            if known.empty:
                self._empty.visible, self._body.visible = True, False
                return
            self._load_models()
            return
        self._empty.visible, self._body.visible = False, True
        versions = wb.models.versions(self.model)
        pairs = zip(versions["version"], versions["aliases"], strict=True)
        aliases = {alias: int(version) for version, names in pairs for alias in names}
        self._aliases.object = aliases_html(aliases)
        self._versions.value = versions_frame(versions)
        self._history.value = history_frame(wb.models.alias_history(self.model))
        chosen = self._promote_version.value
        self._promote_version.options = {f"v{v}": int(v) for v in versions["version"][::-1]}
        latest = int(versions["version"].max()) if len(versions) else None
        self._promote_version.value = chosen if chosen in set(versions["version"]) else latest
        rollback_to = self._rollback_alias.value
        self._rollback_alias.options = sorted(aliases)
        default = "champion" if "champion" in aliases else next(iter(sorted(aliases)), None)
        self._rollback_alias.value = rollback_to if rollback_to in aliases else default

    @param.depends("model", watch=True)
    def _on_model(self) -> None:
        self._cancel()
        self._result.visible = False
        self._error.clear()
        self.refresh()

    # -- promote / rollback, each confirmed first --------------------------------------------
    def _ask(self, action: tuple[str, str, int | None], question: str) -> None:
        self._pending = action
        self._confirm_text.object = f'<span class="wb-confirm-text">{html.escape(question)}</span>'
        self._confirm_row.visible = True
        self._result.visible = False
        self._error.clear()

    def _ask_promote(self, *_: Any) -> None:
        version, alias = self._promote_version.value, (self._promote_alias.value or "").strip()
        if version is None or not alias:
            self._error.show("Choose a version and type an alias (e.g. champion) to promote.")
            return
        self._ask(("promote", alias, int(version)), f"Promote v{version} to {alias}?")

    def _ask_rollback(self, *_: Any) -> None:
        alias = self._rollback_alias.value
        if not alias:
            self._error.show("No alias to roll back: promote a version first.")
            return
        self._ask(("rollback", alias, None), f"Roll back {alias} to the version it held before?")

    def _cancel(self, *_: Any) -> None:
        self._pending = None
        self._confirm_row.visible = False

    def _confirm(self, *_: Any) -> None:
        if self._pending is None or self.model is None:
            return
        action, alias, version = self._pending
        self._cancel()
        try:
            if action == "promote":
                record = wb.models.promote(self.model, int(version or 0), alias=alias)
                message = f"Promoted {self.model} v{record.version} to {alias}."
            else:
                record = wb.models.rollback(self.model, alias=alias)
                message = f"Rolled back {alias} of {self.model} to v{record.version}."
        except (LookupError, ValueError) as error:  # unknown version, no earlier version, ...
            self._error.show(str(error))
            return
        self._result.object = f'<p class="wb-action-result">{html.escape(message)}</p>'
        self._result.visible = True
        self.refresh()

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            pn.pane.Markdown("## Models"), self._empty, self._body, sizing_mode="stretch_width"
        )


def view() -> pn.template.BaseTemplate:
    models = ModelsView(model=query_arg("model") or None)
    models.start_live_updates()
    return page("Models", "/models", models)
