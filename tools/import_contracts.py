"""An import-linter contract: modules use each other only through each other's front door.

A module's front door is its package (``modules.users``, i.e. its ``__init__.py``): the names it
exports on purpose. Its submodules (``modules.users.models``, ``.service`` ...) are internal, and
importing one from another module breaks the contract.
"""

from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output


class FrontDoorContract(Contract):
    """Every import of a submodule of ``<container>.<module>`` comes from inside that module."""

    type_name = "front_doors"
    container = fields.StringField()

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        """Find every import of another module's internals."""
        container = str(self.container)
        violations: list[dict[str, Any]] = []
        for module in sorted(graph.find_children(container)):
            internals = graph.find_descendants(module)
            for internal in sorted(internals):
                for importer in sorted(graph.find_modules_that_directly_import(internal)):
                    if importer == module or importer in internals:
                        continue
                    details = graph.get_import_details(importer=importer, imported=internal)
                    lines = tuple(detail["line_number"] for detail in details)
                    violations.append({"importer": importer, "imported": internal, "lines": lines})
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
