"""An allow-list contract type for import-linter.

import-linter's built-in contracts forbid named modules; none says "these packages may import only
that". `AllowedImportsContract` does: every import made by a module inside `source_modules` must
land inside the source packages themselves, in the standard library (`sys.stdlib_module_names` of
the interpreter running lint-imports), or under one of `allowed_modules` (a module name, matching
it and its submodules: an external distribution's import name such as `numpy`, or an internal
package such as `domain`). Everything else breaks the contract, with the importing line named.

Every import counts: module level, inside functions and under `if TYPE_CHECKING:`. Only direct
imports are checked; that is enough because the external packages sit squashed in the graph (they
have no outgoing edges) and each allowed internal package carries its own contract.

Registered in pyproject.toml under `[tool.importlinter] contract_types` as
`allowed_imports: tools.importlinter_allowlist.AllowedImportsContract`. lint-imports puts the
current directory on `sys.path`, so running it from the repository root (as `make imports` and CI
do) finds this module; the `tools` folder is not one of the four application packages.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from grimp import ImportGraph
from importlinter.application import contract_utils, output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck
from importlinter.domain.helpers import module_expressions_to_modules


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def is_stdlib(module: str) -> bool:
    """Whether `module` belongs to the standard library of the running interpreter."""
    return module.split(".")[0] in sys.stdlib_module_names


class AllowedImportsContract(Contract):
    """Source packages may import only themselves, the standard library and the allowed modules.

    Configuration options:
        - source_modules:  the packages under contract (module expressions; each taken with its
                           submodules).
        - allowed_modules: module names they may import besides themselves and the standard
                           library; each admits its submodules too.
        - allow_stdlib:    whether the standard library is admitted (default true).
        - broken_contract_guidance: text shown after the violations (optional).
    """

    type_name = "allowed_imports"

    source_modules = fields.ListField(subfield=fields.ModuleExpressionField())
    allowed_modules = fields.ListField(subfield=fields.StringField(), required=False, default=[])
    allow_stdlib = fields.BooleanField(required=False, default=True)
    broken_contract_guidance = fields.TextField(required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        sources = sorted(m.name for m in module_expressions_to_modules(graph, self.source_modules))  # type: ignore[arg-type]
        for name in sources:
            if name not in graph.modules:
                raise ValueError(f"Module '{name}' does not exist.")
        allowed: list[str] = list(self.allowed_modules)  # type: ignore[call-overload]

        def admitted(imported: str) -> bool:
            if any(_within(imported, package) for package in (*sources, *allowed)):
                return True
            return bool(self.allow_stdlib) and is_stdlib(imported)

        violations: list[dict[str, object]] = []
        for importer in sorted(_modules_in(graph, sources)):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if admitted(imported):
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                violations.append({
                    "importer": importer,
                    "imported": imported,
                    "lines": [(d["line_number"], d["line_contents"]) for d in details],
                })
                output.verbose_print(verbose, f"{importer} imports {imported}, which is not allowed.")

        return ContractCheck(kept=not violations, metadata={"violations": violations, "allowed": allowed})

    def render_broken_contract(self, check: ContractCheck) -> None:
        admitted = (["the standard library"] if self.allow_stdlib else []) + list(check.metadata["allowed"])
        output.print_error(f"Imports outside the allow-list ({', '.join(admitted) or 'nothing'}):")
        output.new_line()
        for violation in check.metadata["violations"]:
            output.print_error(f"-   {violation['importer']} -> {violation['imported']}", bold=False)
            for line_number, line_contents in violation["lines"]:
                output.indent_cursor()
                output.print_error(f"l.{line_number}: {line_contents}", bold=False)
        output.new_line()
        contract_utils.render_broken_contract_guidance(self.broken_contract_guidance)  # type: ignore[arg-type]


def _modules_in(graph: ImportGraph, packages: Iterable[str]) -> set[str]:
    modules: set[str] = set()
    for package in packages:
        modules.add(package)
        modules |= graph.find_descendants(package)
    return modules
