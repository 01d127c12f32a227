"""The Typer app class every command group of the CLI is made with: help without type noise,
usage errors in the CLI's one error style.

Typer's help shows each parameter's Python type (``--json <bool>``, ``RUN_ID <str>``) and
wraps required arguments in braces in the usage line (``{run_id}``). Here arguments read as
their upper-case name (``RUN_ID``, ``[RUN_ID]`` when optional), flags show no value, options
with a value show its kind (``TEXT``, ``INTEGER``, ``PATH``) unless they set a ``metavar``.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from workbench.cli._output import BAD_INPUT, fail

# Typer's type labels -> the words click users know.
_VALUE_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "bool": "BOOLEAN"}


class _Argument(TyperArgument):
    @property
    def display_name_raw(self) -> str:
        return self.metavar or (self.name or "").upper()

    def display_type_rich(self, ctx: Any) -> str | None:
        return None  # the name says what to give

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


class _Option(TyperOption):
    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        if self.metavar is not None:
            return self.metavar
        label = str(self.display_type(ctx)).strip("<>")
        label = label.removeprefix("list[").removesuffix("]")
        return _VALUE_NAMES.get(label, label if "|" in label else label.upper())


def _plain(param: Any) -> Any:
    # Typer builds its parameters itself; giving them these subclasses changes only how
    # help shows them (the classes add no state).
    if type(param) is TyperArgument:
        param.__class__ = _Argument
    elif type(param) is TyperOption:
        param.__class__ = _Option
    return param


def _usage_error(error: typer.TyperException, ctx: Any) -> None:
    """A usage error (a missing argument, an unknown option or command, a bad value) in the
    CLI's one error style, exit code 2; anything else goes on as it was."""
    # no_args_is_help is a usage error too: it must go on to print the help.
    if (
        getattr(error, "exit_code", None) != BAD_INPUT
        or type(error).__name__ == "NoArgsIsHelpError"
    ):
        raise error
    fail(error.format_message(), f"See `{ctx.command_path} --help`.")


class WorkbenchCommand(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return [_plain(param) for param in super().get_params(ctx)]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except typer.TyperException as error:
            _usage_error(error, ctx)
            raise


class WorkbenchGroup(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return [_plain(param) for param in super().get_params(ctx)]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except typer.TyperException as error:
            _usage_error(error, ctx)
            raise

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as error:
            _usage_error(error, ctx)
            raise


class WorkbenchTyper(typer.Typer):
    """``typer.Typer`` whose commands and groups render help as above."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", WorkbenchGroup)
        kwargs.setdefault("no_args_is_help", True)
        super().__init__(**kwargs)

    def command(self, name: str | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", WorkbenchCommand)
        return super().command(name, **kwargs)
