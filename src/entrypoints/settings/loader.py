"""Load and validate settings: every problem is collected and reported by key, secrets masked."""

from __future__ import annotations

import math
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import attrs
import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError

from domain.security.redaction import MASK, mask_url
from entrypoints.settings.checks import semantic_problems
from entrypoints.settings.issue import Issue
from entrypoints.settings.schema import Settings
from entrypoints.settings.secret import Secret
from entrypoints.settings.sources import (
    SECRET_KEYS,
    SettingsFileError,
    Sourced,
    default_values,
    dotenv_line_errors,
    effective_values,
    gather,
    unflatten,
)
from entrypoints.settings.store_url import backend_of

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@attrs.frozen
class Involved:
    """Another setting a problem's rule reads, shown with its own value and source."""

    key: str
    value: str
    source: str

    def __str__(self) -> str:
        return f"{self.key} = {self.value} (from {self.source})"


@attrs.frozen
class Problem:
    key: str
    # None for a problem of a whole file or line rather than of one setting's value
    value: str | None
    source: str
    message: str
    related: tuple[Involved, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, *(r.key for r in self.related))

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.key} ({self.source}): {self.message}"
        involved = [str(Involved(self.key, self.value, self.source)), *map(str, self.related)]
        return f"{', '.join(involved)}: {self.message}"


class SettingsError(Exception):
    """Invalid settings; ``problems`` lists each one with its key."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))


@attrs.frozen
class LoadedSettings:
    settings: Settings
    sources: Mapping[str, Sourced]


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("expected true or false")


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("expected an integer")
    try:
        return int(value)
    except ValueError:
        raise ValueError("expected an integer") from None


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("expected a number")
    try:
        number = float(value)
    except ValueError:
        raise ValueError("expected a number") from None
    # float() reads "nan" and "inf"; no setting means either, and NaN slips past every range check.
    if not math.isfinite(number):
        raise ValueError("expected a finite number")
    return number


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _structure_secret(value: Any, _: type) -> Secret | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return Secret(value)


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(Secret | None, _structure_secret)
    converter.register_structure_hook_func(
        lambda t: typing.get_origin(t) is tuple,  # type: ignore[comparison-overlap]
        lambda value, t: tuple(
            converter.structure(item.strip() if isinstance(item, str) else item, typing.get_args(t)[0])
            for item in (value.split(",") if isinstance(value, str) else value)
            if not (isinstance(item, str) and item.strip() == "")
        ),
    )
    converter.register_unstructure_hook(Secret, lambda s: MASK)
    return converter


_CONVERTER = _make_converter()


def display_value(key: str, value: Any) -> str:
    if key in SECRET_KEYS:
        return "(unset)" if value in (None, "") else MASK
    if isinstance(value, str):
        return repr(mask_url(value))
    return repr(value)


def load_settings(
    config_path: Path | None = None,
    dotenv_path: Path | None = Path(".env"),
    environ: Mapping[str, str] | None = None,
) -> LoadedSettings:
    """Read every source and validate. Raises SettingsError listing all problems."""
    try:
        sourced = gather(config_path, dotenv_path, environ)
    except SettingsFileError as exc:
        raise SettingsError([Problem("--config", str(config_path), "command line", str(exc))]) from None
    problems = _dotenv_problems(dotenv_path) + _unknown_keys(sourced)
    known = with_inferred_backend({key: item for key, item in sourced.items() if key in _KNOWN_KEYS})
    settings, unreadable, type_problems = _structure(known)
    problems += type_problems
    if settings is not None:
        # a rule that reads a value which could not be parsed would judge its default instead: skip it
        problems += [p for p in rule_problems(settings, known) if not unreadable & set(p.keys)]
    if problems or settings is None:
        raise SettingsError(problems)
    return LoadedSettings(settings, known)


def revalidate(loaded: LoadedSettings, updated: Settings, source: str = "command line") -> None:
    """Check settings changed after loading (command-line options): the changed keys are shown
    with their new value and ``source``. Raises SettingsError listing all problems."""
    before = effective_values(loaded.settings)
    sources = {key: loaded.sources[key] if before[key] == value else Sourced(value, source)
               for key, value in effective_values(updated).items()}
    problems = rule_problems(updated, sources)
    if problems:
        raise SettingsError(problems)


def rule_problems(settings: Settings, sources: Mapping[str, Sourced]) -> list[Problem]:
    return [_issue_problem(issue, sources) for issue in semantic_problems(settings)]


_KNOWN_KEYS = frozenset(default_values())


def with_inferred_backend(known: Mapping[str, Sourced]) -> dict[str, Sourced]:
    """store.backend left unset (or blank) follows the scheme of store.url, as a URL alone
    says which database it is; an explicit backend is kept, and checked against the URL."""
    backend, url = known["store.backend"], known["store.url"]
    if backend.source != "default" and str(backend.value).strip():
        return dict(known)
    named = backend_of(url.value) if isinstance(url.value, str) else None
    if named is None:
        return {**known, "store.backend": default_values()["store.backend"]}
    return {**known, "store.backend": Sourced(named, f"inferred from store.url, {url.source}")}


def _structure(known: Mapping[str, Sourced]) -> tuple[Settings | None, frozenset[str], list[Problem]]:
    """The settings, with every value that cannot be parsed reported and replaced by its default
    so that the remaining rules can still be checked in the same run."""
    try:
        return _CONVERTER.structure(unflatten({k: v.value for k, v in known.items()}), Settings), frozenset(), []
    except ClassValidationError as exc:
        errors = list(_leaf_errors(exc, ()))
    problems = [_problem(path, error, known) for path, error in errors]
    prefixes = {".".join(path) for path, _ in errors}
    unreadable = frozenset(k for k in known if any(k == p or k.startswith(p + ".") for p in prefixes))
    defaults = default_values()
    values = {k: (defaults[k] if k in unreadable else v).value for k, v in known.items()}
    try:
        return _CONVERTER.structure(unflatten(values), Settings), unreadable, problems
    except ClassValidationError:  # a shape the defaults cannot mend: the rules cannot be checked
        return None, unreadable, problems


def _dotenv_problems(path: Path | None) -> list[Problem]:
    if path is None:
        return []
    return [Problem(f"{path}:{e.line}", None, ".env file", e.message) for e in dotenv_line_errors(path)]


def _unknown_keys(sourced: Mapping[str, Sourced]) -> list[Problem]:
    return [
        Problem(key, display_value(key, item.value), item.source, "unknown key")
        for key, item in sourced.items()
        if key not in _KNOWN_KEYS
    ]


def _leaf_errors(exc: BaseException, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], BaseException]]:
    if isinstance(exc, ClassValidationError | IterableValidationError):
        for sub in exc.exceptions:
            yield from _leaf_errors(sub, path + _note_path(sub))
    else:
        yield path, exc


def _note_path(exc: BaseException) -> tuple[str, ...]:
    for note in getattr(exc, "__notes__", []):
        name = getattr(note, "name", None)
        if name is not None:
            return (str(name),) if not isinstance(name, int) else ()
    return ()


def _problem(path: tuple[str, ...], error: BaseException, known: Mapping[str, Sourced]) -> Problem:
    key = ".".join(path)
    message = str(error)
    field_type = _field_type(path)
    if typing.get_origin(field_type) is Literal:
        message = "must be one of: " + ", ".join(str(a) for a in typing.get_args(field_type))
    elif isinstance(error, KeyError | TypeError) and not message.startswith("expected"):
        message = f"has the wrong shape (expected {getattr(field_type, '__name__', field_type)})"
    return _problem_at(key, message, known)


def _field_type(path: tuple[str, ...]) -> Any:
    cls: Any = Settings
    field_type: Any = None
    for part in path:
        if not attrs.has(cls):
            return field_type
        hints = typing.get_type_hints(cls)
        field_type = hints.get(part)
        cls = field_type
    return field_type


def _problem_at(key: str, message: str, known: Mapping[str, Sourced]) -> Problem:
    item = known.get(key)
    if item is None:
        return Problem(key, "?", "?", message)
    return Problem(key, display_value(key, item.value), item.source, message)


def _issue_problem(issue: Issue, sources: Mapping[str, Sourced]) -> Problem:
    first, *others = (_problem_at(key, issue.message, sources) for key in issue.keys)
    return attrs.evolve(first, related=tuple(Involved(p.key, p.value or "", p.source) for p in others))
