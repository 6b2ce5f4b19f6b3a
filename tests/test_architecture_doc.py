"""docs/architecture.md stays true: packages, migrations, protected columns, sizes, layering."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tipdata.access.keys import PROTECTED_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tipdata"
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
FRONTS = ("web", "cli")
LONG_MODULE_LINES = 600


def _packages() -> list[str]:
    return sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))


def _imported_modules(path: Path) -> set[str]:
    """Every tipdata module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name == "tipdata" or name.startswith("tipdata.")}


def test_every_package_is_described() -> None:
    missing = [name for name in _packages() if f"| `{name}/` |" not in DOC]
    assert missing == []


def test_every_migration_is_listed() -> None:
    revisions = sorted(
        path.name[:4] for path in (PACKAGE / "store" / "migrations" / "versions").glob("[0-9]*.py")
    )
    assert revisions, "no migrations found"
    assert [r for r in revisions if f"| {r} |" not in DOC] == []


def test_every_protected_column_is_named() -> None:
    missing = [
        f"{c.table}.{c.column}"
        for c in PROTECTED_COLUMNS
        if f"`{c.table}.{c.column}`" not in DOC and f"`{c.column}`" not in DOC
    ]
    assert missing == []


def test_modules_over_600_lines_are_listed_as_departures() -> None:
    departures = DOC.split("## Known departures", 1)[1]
    long_modules = [
        path.relative_to(PACKAGE).as_posix()
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
        and len(path.read_text(encoding="utf-8").splitlines()) > LONG_MODULE_LINES
    ]
    assert [m for m in long_modules if f"`{m}`" not in departures] == []


def test_the_list_of_long_modules_gives_their_true_lengths() -> None:
    listed = DOC.split("**Modules over 600 lines**", 1)[1].split("\n- **", 1)[0]
    stated = {m: int(n.replace(",", "")) for m, n in re.findall(r"`([\w/]+\.py)` ([\d,]+)", listed)}
    actual = {
        m: len((PACKAGE / m).read_text(encoding="utf-8").splitlines())
        for m in stated
        if (PACKAGE / m).exists()
    }
    assert stated == actual


def test_domain_packages_never_import_the_fronts() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        own = parts[0] if len(parts) > 1 else None
        forbidden = [f for f in FRONTS if f != own]
        if own == "cli":
            forbidden = []  # the CLI may serve the web app (`cli/serve.py`)
        for module in _imported_modules(path):
            top = module.split(".")[1] if "." in module else None
            if top in forbidden:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_the_page_shows_no_command_lines() -> None:
    assert not re.search(r"`tipdata [^`]*`", DOC)
    assert not re.search(r"```(sh|bash|console|shell)\b", DOC)
    assert not re.search(r"^\s*\$ ", DOC, flags=re.MULTILINE)
    assert "make " not in DOC


def test_every_import_contract_is_described() -> None:
    """The Makefile's lint target runs `lint-imports`; the doc names each contract by its id."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    ids = [contract["id"] for contract in contracts]
    assert {"layers", "domain-never-imports-fronts"} <= set(ids)
    rule = DOC.split("## The dependency rule", 1)[1].split("\n## ", 1)[0]
    assert [i for i in ids if f"`{i}`" not in rule] == []
    layers = next(c for c in contracts if c["id"] == "layers")["layers"]
    packages = {name.strip() for layer in layers for name in layer.split("|")}
    assert [p for p in _packages() if f"tipdata.{p}" not in packages] == []
