"""The allow-list contract type that pyproject.toml's import-linter contracts use (tools/)."""

from __future__ import annotations

import grimp

from tools.importlinter_allowlist import AllowedImportsContract


def _graph(imports: list[tuple[str, str]]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for name in ("core", "core.rules", "core.values", "app", "app.use_case"):
        graph.add_module(name)
    for name in ("numpy", "attrs", "pandas", "datetime", "typing"):
        graph.add_module(name, is_squashed=True)
    for line, (importer, imported) in enumerate(imports, start=1):
        graph.add_import(importer=importer, imported=imported, line_number=line,
                         line_contents=f"import {imported}")
    return graph


def _contract(**options: object) -> AllowedImportsContract:
    return AllowedImportsContract(name="test", session_options={}, contract_options=options)


def test_kept_when_every_import_is_itself_stdlib_or_allowed() -> None:
    graph = _graph([("core.rules", "core.values"), ("core.rules", "numpy"), ("core.values", "attrs"),
                    ("core.values", "datetime"), ("core", "typing")])

    check = _contract(source_modules=["core"], allowed_modules=["numpy", "attrs"]).check(graph, verbose=False)

    assert check.kept


def test_broken_by_any_external_package_not_on_the_list() -> None:
    graph = _graph([("core.rules", "numpy"), ("core.values", "pandas")])

    check = _contract(source_modules=["core"], allowed_modules=["numpy", "attrs"]).check(graph, verbose=False)

    assert not check.kept
    assert [(v["importer"], v["imported"]) for v in check.metadata["violations"]] == [("core.values", "pandas")]
    assert check.metadata["violations"][0]["lines"] == [(2, "import pandas")]


def test_broken_by_an_internal_package_not_on_the_list() -> None:
    graph = _graph([("core.rules", "app.use_case"), ("app.use_case", "core.rules")])

    core = _contract(source_modules=["core"], allowed_modules=["numpy"]).check(graph, verbose=False)
    app = _contract(source_modules=["app"], allowed_modules=["core"]).check(graph, verbose=False)

    assert not core.kept
    assert app.kept


def test_stdlib_can_be_refused() -> None:
    graph = _graph([("core.rules", "datetime")])

    check = _contract(source_modules=["core"], allow_stdlib="false").check(graph, verbose=False)

    assert not check.kept
