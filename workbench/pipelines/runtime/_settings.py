"""The parameter values of one pipeline run: the exported defaults, then ``params.yaml``,
then ``--param NAME=VALUE`` overrides, each checked against the parameter's type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (float, int),
    "str": (str,),
    "bool": (bool,),
    "none": (type(None),),
    "list": (list, tuple),
    "dict": (dict,),
}


def coerce_parameter(name: str, value: Any, kind: str) -> Any:
    """``value`` as the type the notebook gave parameter ``name`` (an int is a fine float).

    >>> coerce_parameter("C", 1, "float")
    1.0
    """
    if not _matches(value, kind):
        raise ValueError(
            f"parameter {name!r} is of type {kind} in the notebook, got {value!r} "
            f"({type(value).__name__})"
        )
    if kind == "float":
        return float(value)
    if kind == "list":
        return list(value)
    return value


def _matches(value: Any, kind: str) -> bool:
    allowed = _PYTHON_TYPES.get(kind)
    if allowed is None or (isinstance(value, bool) and kind != "bool"):
        return False
    return isinstance(value, allowed)


def parse_assignment(text: str, types: Mapping[str, str]) -> tuple[str, Any]:
    """``"C=0.5"`` → ``("C", 0.5)``: the value is read as YAML, except for str parameters,
    whose value is taken as written."""
    import yaml

    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ValueError(f"--param takes NAME=VALUE, got {text!r}")
    if name not in types:
        raise ValueError(f"unknown parameter {name!r}; the parameters are {sorted(types)}")
    if types[name] == "str":
        return name, raw
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as error:
        raise ValueError(f"cannot read the value of {name!r} from {raw!r}: {error}") from None
    return name, coerce_parameter(name, value, types[name])


def resolve_parameters(
    defaults: Mapping[str, Any],
    types: Mapping[str, str],
    *,
    params_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    assignments: Iterable[str] = (),
) -> dict[str, Any]:
    """The defaults, updated from ``params_file`` (YAML), ``overrides`` and ``assignments``
    (``NAME=VALUE`` texts), in that order."""
    values = dict(defaults)
    layers: list[Mapping[str, Any]] = []
    if params_file is not None:
        import yaml

        loaded = yaml.safe_load(Path(params_file).read_text()) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{params_file} must map parameter names to values")
        if "gate" not in types:  # retrain's evaluation gate, not a parameter
            loaded.pop("gate", None)
        layers.append(loaded)
    layers.append(overrides or {})
    for layer in layers:
        for name, value in layer.items():
            if name not in types:
                raise ValueError(f"unknown parameter {name!r}; the parameters are {sorted(types)}")
            values[name] = coerce_parameter(name, value, types[name])
    for text in assignments:
        name, value = parse_assignment(text, types)
        values[name] = value
    return values
