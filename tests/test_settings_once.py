"""Each setting's default is written once, in scheduler/config.py: code reads
`config["NAME"]`, so a default changed there holds everywhere (a second default in a
`config.get("NAME", …)` would quietly win wherever it is written)."""
import ast
import re
from pathlib import Path

from scheduler.config import DefaultConfig

PACKAGE = Path(__file__).resolve().parents[1] / "scheduler"
SETTINGS = {name for name in vars(DefaultConfig) if name.isupper()}


def _second_defaults() -> list[str]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "config.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # x.get("SETTING", default) where x is a config mapping
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "get" and len(node.args) == 2
                    and isinstance(node.args[0], ast.Constant) and node.args[0].value in SETTINGS):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {ast.unparse(node)}")
    return found


def test_no_setting_has_a_second_default_outside_config_py():
    assert _second_defaults() == []


def test_config_py_assigns_each_setting_once():
    source = (PACKAGE / "config.py").read_text(encoding="utf-8")
    names = re.findall(r"^    ([A-Z][A-Z0-9_]*)\s*(?::[^=\n]*)?=", source, re.M)
    assert len(names) == len(set(names))
    assert set(names) == SETTINGS


def test_every_setting_read_by_the_code_has_its_default_in_config_py():
    read = set()
    for path in PACKAGE.rglob("*.py"):
        read |= set(re.findall(r'config\[\s*"([A-Z][A-Z0-9_]*)"\s*\]', path.read_text(encoding="utf-8")))
    # written by create_app from the environment or instance/, not defaults
    assert read - SETTINGS - {"SQLALCHEMY_READ_URI", "SECRET_KEY", "TESTING"} == set()
