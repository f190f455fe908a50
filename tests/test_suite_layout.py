"""The suite keeps the layout of tests/conftest.py: fixtures live in conftest.py files or in the
plugin modules it lists in `pytest_plugins` (tests/factories.py), and pytest hands them to the
tests that name them. A test module never imports from another test module, nor imports a
fixture (which flake8 then reports as unused or redefined, F401 / F811)."""
import ast
import importlib
from pathlib import Path

import pytest
from _pytest.fixtures import FixtureFunctionDefinition

from tests import conftest

TESTS = Path(__file__).resolve().parent
# the suppression a fixture imported into a test module needs (spelled in two parts so that
# this file does not carry it)
REDEFINED = "noqa: " + "F811"


def python_files() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if "vendor" not in path.parts)


def module_name(path: Path) -> str:
    return ".".join(("tests", *path.relative_to(TESTS).with_suffix("").parts))


def is_test_module(name: str) -> bool:
    return name.rsplit(".", 1)[-1].startswith("test_")


def imports(path: Path, source: str | None = None):
    """(line, module, imported names or None) of each import of a module of tests/ in the file
    at `path` (or in `source`, read as if it were that file)."""
    package = module_name(path).rsplit(".", 1)[0]
    source = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            if module == "tests" or module.startswith("tests."):
                yield node.lineno, module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("tests."):
                    yield node.lineno, alias.name, None


def is_fixture(value) -> bool:
    return isinstance(value, FixtureFunctionDefinition)


def test_no_module_imports_from_a_test_module():
    found = []
    for path in python_files():
        for line, module, names in imports(path):
            targets = [module] if names is None else [module, *(f"{module}.{n}" for n in names)]
            for target in targets:
                if is_test_module(target) and (TESTS.parent / (target.replace(".", "/") + ".py")).exists():
                    found.append(f"{path.relative_to(TESTS)}:{line} imports {target}")
    assert found == [], "a helper belongs in a helper module or a fixture in conftest:\n" + "\n".join(found)


def test_no_test_module_imports_a_fixture():
    found = []
    for path in python_files():
        if not is_test_module(module_name(path)):
            continue
        for line, module, names in imports(path):
            source = importlib.import_module(module)
            for name in names or ():
                value = getattr(source, name, None)
                if value is None:  # a submodule: `from tests import factories`
                    value = importlib.import_module(f"{module}.{name}")
                if is_fixture(value):
                    found.append(f"{path.relative_to(TESTS)}:{line} imports the fixture {name}")
    assert found == [], "pytest finds fixtures by name; do not import them:\n" + "\n".join(found)


def test_fixtures_live_in_conftest_or_its_plugins():
    """A helper module (neither conftest.py, nor a plugin of it, nor a test module) defines no
    fixture: a fixture there could only reach a test by being imported."""
    plugins = set(conftest.pytest_plugins)
    found = []
    for path in python_files():
        name = module_name(path)
        if path.name == "conftest.py" or name in plugins or is_test_module(name):
            continue
        module = importlib.import_module(name)
        found += [f"{path.relative_to(TESTS)}: {attr}" for attr, value in vars(module).items()
                  if is_fixture(value)]
    assert found == []


def test_no_fixture_is_redefined_by_an_import():
    found = [f"{path.relative_to(TESTS)}:{number}"
             for path in python_files()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if REDEFINED in line]
    assert found == []


@pytest.mark.parametrize("path, source, expected", [
    ("test_x.py", "from tests.test_ical import book\n", ["tests.test_ical"]),
    ("test_x.py", "from .test_meeting_pages import quiet\n", ["tests.test_meeting_pages"]),
    ("browser/test_x.py", "from ..test_series_holidays import day\n", ["tests.test_series_holidays"]),
    ("browser/test_x.py", "from tests.browser.test_booking_flow import sign\n",
     ["tests.browser.test_booking_flow"]),
    ("test_x.py", "import os\nfrom tests.booking_helpers import at\n", ["tests.booking_helpers"]),
])
def test_the_checks_read_every_spelling_of_an_import(path, source, expected):
    """The checks above would pass vacuously if they missed an import or a fixture."""
    assert [module for _line, module, _names in imports(TESTS / path, source)] == expected


def test_the_checks_know_a_fixture_from_a_helper():
    from tests import booking_helpers, factories

    assert is_fixture(factories.create_meeting) and is_fixture(factories.rooms)
    assert not is_fixture(factories.local) and not is_fixture(booking_helpers.request_for)
