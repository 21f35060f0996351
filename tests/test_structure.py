"""The package's shape: no import cycle among its modules, and a CLI whose start-up loads
no fake API."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "reports"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules `path` imports, anywhere in it (a function's import too, which
    is a cycle all the same), except under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
                found |= packages_run(name, modules)
    return found


def packages_run(name: str, modules: set[str]) -> set[str]:
    """The packages whose `__init__` importing `name` runs first: `reports.report.figures`
    runs `reports/__init__.py` and `reports/report/__init__.py` before `figures.py`."""
    parts = name.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))} & modules


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    modules = set(paths)
    graph = {name: imports(path, modules) - {name} for name, path in paths.items()}
    # A package's __init__ re-exporting its own modules is not a cycle of theirs.
    return {
        name: {
            m for m in edges if not (name.startswith(m + ".") and paths[m].name == "__init__.py")
        }
        for name, edges in graph.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                found.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_module_of_the_package_imports_itself_round_about() -> None:
    found = cycles(import_graph())
    assert found == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_one_renderer_imports_no_other() -> None:
    # The web page and the PDF share their view contexts (render.views) and statements'
    # file names (render.file_names), not each other.
    graph = import_graph()

    def reached(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for target in graph.get(todo.pop(), ()):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    assert "reports.render.pdf" not in reached("reports.render.web")
    assert "reports.render.web" not in reached("reports.render.pdf")


def test_the_import_graph_counts_what_an_import_runs(tmp_path: Path) -> None:
    """A function's import is an edge, and so is each package `__init__` an import runs
    (the loop of issue 32 went through both); an import for the type checker is none."""
    module = tmp_path / "module.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "from a.b.c import thing\n"
        "if TYPE_CHECKING:\n"
        "    from typed.only import Type\n"
        "def later() -> None:\n"
        "    import lazy.module\n",
        encoding="utf-8",
    )
    modules = {"a", "a.b", "a.b.c", "typed", "typed.only", "lazy", "lazy.module"}
    assert imports(module, modules) == {"a", "a.b", "a.b.c", "lazy", "lazy.module"}


def test_the_cli_starts_without_loading_a_fake_api() -> None:
    code = (
        "import sys\n"
        "from reports.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('reports.sandbox')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


#: How each built-in vendor may be named, in code, comments and messages alike.
VENDOR_NAMES = re.compile(r"mobility|plannr|will[-_ ]?suite", re.IGNORECASE)
#: The only places that know the vendors: the sources' packages, and the sandbox's fake APIs.
VENDOR_PLACES = (PACKAGE / "sources", PACKAGE / "sandbox")


def test_no_module_outside_a_vendors_package_names_a_vendor() -> None:
    named = []
    for path in sorted([*PACKAGE.rglob("*"), *(ROOT / "templates").rglob("*")]):
        if not path.is_file() or path.suffix not in {".py", ".html", ".css", ".txt", ".j2"}:
            continue
        if any(path.is_relative_to(place) for place in VENDOR_PLACES):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if VENDOR_NAMES.search(line):
                named.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert named == []


def test_a_vendors_package_imports_no_other_vendors() -> None:
    graph = import_graph()
    vendors = ("mobility", "plannr", "willsuite")
    for vendor in vendors:
        others = [f"reports.sources.{other}" for other in vendors if other != vendor]
        for module, edges in graph.items():
            if module.startswith(f"reports.sources.{vendor}"):
                assert not {e for e in edges if e.startswith(tuple(others))}, module


def test_every_built_in_source_is_tested_through_a_mock_transport() -> None:
    """Each source takes its own settings and a transport, so each has a test reading the
    vendor's documented payloads through `httpx.MockTransport`, with no sandbox."""
    from reports.sources import mobility, plannr, willsuite

    for name in (mobility.source.name, plannr.source.name, willsuite.source.name):
        test = ROOT / "tests" / "sources" / f"test_{name}_mock_transport.py"
        assert test.is_file(), f"{test.relative_to(ROOT)} is missing"
        assert "MockTransport" in test.read_text(encoding="utf-8"), test


#: What only a spreadsheet knows: a formula (`=` then a function or a cell), one of its
#: functions, a cell or range of a sheet (`Summary!$B$2`), Excel's cell limit.
EXCEL_TEXT = re.compile(
    r"^=\s*[A-Z(-]|\b(SUBTOTAL|SUMPRODUCT|SUMIFS?|COUNTIFS?|OFFSET|EDATE|VLOOKUP)\(|![$]?[A-Z]{1,3}[$]?\d"
)
EXCEL_CELL_LIMIT = 32_767


def excel_knowledge(path: Path) -> list[str]:
    """Each string or number in `path`'s code (f-strings' literal parts too, docstrings
    aside) that only a spreadsheet would hold."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in docstrings:
            continue
        value = node.value
        if (isinstance(value, str) and EXCEL_TEXT.search(value)) or (
            isinstance(value, int) and value in {EXCEL_CELL_LIMIT, EXCEL_CELL_LIMIT + 1}
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {value!r}")
    return found


def test_the_report_holds_no_knowledge_of_the_workbook() -> None:
    """The report states figures; each renderer formats them. Excel's formulas, its sheets'
    cells and its cell limit belong to `render/` (`excel_formulas`, `workbook`), so that
    the PDF, the web report and the emails show what the report holds, whole."""
    found = [
        line
        for path in sorted((PACKAGE / "report").rglob("*.py"))
        for line in excel_knowledge(path)
    ]
    assert found == []
    # The check sees what the workbook's modules hold: it would find it in `report/`.
    assert excel_knowledge(PACKAGE / "render" / "excel_formulas.py")
    assert excel_knowledge(PACKAGE / "render" / "workbook.py")


#: The month folder's files (`reports.store.month_folder`) and a chase day's
#: (`reports.store.chase_folder`), as code would name them.
FOLDER_FILES = re.compile(
    r"(manifest|statements|figures|charts|reminders|approval)\.json|briefing\.txt"
    r"|record\.jsonl|sent\.jsonl|commentary\.md|ecb_rates\.parquet"
)
#: Their subfolders, as code would join them onto a path (`folder / "statements"`).
FOLDER_NAMES = {"data", "statements", "outbox", "sent", "approval", "chase"}
#: Where the month folder is named: the store, which owns it, and the sandbox's fake APIs.
FOLDER_PLACES = (PACKAGE / "store", PACKAGE / "sandbox")
#: Modules, or (module, function), still naming the folder's files.
FOLDER_NAMED_YET: set[tuple[str, str | None]] = set()


def folder_names(source: str) -> list[tuple[int, str | None, str]]:
    """Where `source`'s code names a file or subfolder of a month's folder, with the
    function (top level) it is in: a string that is a file's name, an f-string building a
    report's name (`report-{month}.pdf`), a subfolder's name joined onto a path or kept
    in a module's constant. Docstrings and messages (text with spaces) may name them."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: list[tuple[int, str | None, str]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        if function is None and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and not re.search(r"\s", node.value)
            and (FOLDER_FILES.search(node.value) or node.value.startswith("report-"))
        ):
            found.append((node.lineno, function, node.value))
        joined = (
            node.right
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
            else node.value
            if function is None and isinstance(node, ast.Assign)
            else None
        )
        if isinstance(joined, ast.Constant) and joined.value in FOLDER_NAMES:
            found.append((node.lineno, function, str(joined.value)))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, None)
    return found


def test_no_module_outside_the_store_names_a_file_of_the_month_folder() -> None:
    """`reports.store` owns the month's folder (`MonthFolder`) and a chase day's: every
    other module asks it for a path, so that a file's name and shape live in one place."""
    named = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if any(path.is_relative_to(place) for place in FOLDER_PLACES):
            continue
        module = path.relative_to(ROOT).as_posix()
        for line, function, text in folder_names(path.read_text(encoding="utf-8")):
            if not {(module, None), (module, function)} & FOLDER_NAMED_YET:
                named.append(f"{module}:{line} ({function or 'module'}): {text!r}")
    assert named == []


def test_the_folder_check_sees_each_way_of_naming_a_file() -> None:
    source = (
        '"""Docstrings may name manifest.json."""\n'
        'OUTBOX = "outbox"\n'
        "def write(folder, month):\n"
        '    """So may a function\'s: statements.json."""\n'
        '    index = folder / "statements" / "statements.json"\n'
        '    pdf = folder / f"report-{month}.pdf"\n'
        '    raise ValueError(f"{index}: see figures.json")\n'
    )
    assert sorted(folder_names(source)) == [
        (2, None, "outbox"),
        (5, "write", "statements"),
        (5, "write", "statements.json"),
        (6, "write", "report-"),
    ]


def vendor_field_names() -> set[str]:
    """The vendors' own names for the fields the sources rename to ours, taken from their
    field mapping (`Column.vendor_names`): as sent, flattened as a column would be, and as
    the `stated_...` column of a record fetched under a parent once was."""
    from reports.frames import SCHEMAS

    names = set()
    for schema in SCHEMAS.values():
        for column in schema.columns:
            for path in column.vendor_names:
                flat = path.replace(".", "_")
                names |= {path, flat, f"stated_{flat}"}
    return names


def strings_of(path: Path) -> list[tuple[int, str]]:
    """Each string in `path`'s code (f-strings' literal parts and docstrings too), with its
    line: where a module names a column."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_no_vendor_field_name_outside_the_sources_and_the_sandbox() -> None:
    """The sources map the vendors' field names to ours at their boundary: no module of the
    report, no template and no notebook names a column as a vendor sends it."""
    names = vendor_field_names()
    assert {"expat_case_id", "customer_case_id", "recipients_name", "client_uuid"} <= names
    word = re.compile(rf"(?<![\w.]){'|'.join(map(re.escape, sorted(names)))}(?!\w)")
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if any(path.is_relative_to(place) for place in VENDOR_PLACES):
            continue
        found += [
            f"{path.relative_to(ROOT)}:{line}: {text!r}"
            for line, text in strings_of(path)
            if word.search(text)
        ]
    for path in sorted([*(ROOT / "templates").rglob("*"), *(ROOT / "notebooks").glob("*.ipynb")]):
        if path.is_file() and path.suffix in {".html", ".j2", ".txt", ".ipynb"}:
            text = path.read_text(encoding="utf-8")
            found += [f"{path.relative_to(ROOT)}: {match}" for match in word.findall(text)]
    assert found == []
