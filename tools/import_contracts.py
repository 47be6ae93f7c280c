"""An import-linter contract: modules use each other only through each other's front door.

A module's front door is its package (``modules.users``, i.e. its ``__init__.py``): the names it
exports on purpose. Its submodules (``modules.users.models``, ``.service`` ...) are internal, and
importing one from another module breaks the contract.
"""

from collections.abc import Callable
from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output


class FrontDoorContract(Contract):
    """Every import of a submodule of ``<container>.<module>`` comes from inside that module."""

    type_name = "front_doors"
    container = fields.StringField()

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        """Find every import of another module's internals."""
        violations: list[dict[str, Any]] = []
        for module in sorted(graph.find_children(str(self.container))):
            violations += _imports_of_internals(graph, module, lambda importer: True)
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        """Print each import of another module's internals, with the front door to use instead."""
        for violation in check.metadata["violations"]:
            front_door = ".".join(violation["imported"].split(".")[:2])
            lines = ", ".join(map(str, violation["lines"]))
            output.print_error(
                f"- {violation['importer']} -> {violation['imported']} (l.{lines}): "
                f"import it from {front_door} instead",
                bold=False,
            )
        output.new_line()


class PublicSurfaceContract(Contract):
    """The ``importers`` import ``package`` only through its front door, the package itself:
    never one of its submodules, which are the package's own internals."""

    type_name = "public_surface"
    package = fields.StringField()
    importers = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        """Find every import of one of ``package``'s submodules from the importers."""
        importers = [str(importer) for importer in self.importers]  # type: ignore[attr-defined]
        violations = _imports_of_internals(
            graph,
            str(self.package),
            lambda importer: any(_within(importer, outside) for outside in importers),
        )
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        """Print each import of an internal submodule, with the surface to use instead."""
        for violation in check.metadata["violations"]:
            lines = ", ".join(map(str, violation["lines"]))
            output.print_error(
                f"- {violation['importer']} -> {violation['imported']} (l.{lines}): "
                f"import it from {self.package} instead",
                bold=False,
            )
        output.new_line()


def _imports_of_internals(
    graph: grimp.ImportGraph, package: str, counts: Callable[[str], bool]
) -> list[dict[str, Any]]:
    # Every direct import of one of package's submodules from outside package, by an importer
    # that counts, with its line numbers.
    violations: list[dict[str, Any]] = []
    for internal in sorted(graph.find_descendants(package)):
        for importer in sorted(graph.find_modules_that_directly_import(internal)):
            if _within(importer, package) or not counts(importer):
                continue
            details = graph.get_import_details(importer=importer, imported=internal)
            lines = tuple(detail["line_number"] for detail in details)
            violations.append({"importer": importer, "imported": internal, "lines": lines})
    return violations


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")
