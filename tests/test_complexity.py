"""No function of scheduler/ above cyclomatic complexity C (radon: A 1-5, B 6-10, C 11-20,
D 21-30, E, F): the booking path and the reports were split by meaning until none was left at
D, and this keeps it so (issue 26)."""
from pathlib import Path

from radon.complexity import cc_rank, cc_visit

ROOT = Path(__file__).resolve().parents[1]

WORST_ALLOWED = "C"


def functions(blocks):
    """Every function and method radon found, nested ones included (radon lists the methods
    beside their class, which it ranks by their average: the class itself is skipped)."""
    for block in blocks:
        if not hasattr(block, "methods"):
            yield block
            yield from functions(block.closures)


def blocks_above_c(source: str, name: str) -> list[str]:
    return [f"{name}:{one.lineno} {one.name} {cc_rank(one.complexity)} ({one.complexity})"
            for one in functions(cc_visit(source)) if cc_rank(one.complexity) > WORST_ALLOWED]


def test_no_function_is_d_or_worse():
    found = []
    for path in sorted((ROOT / "scheduler").rglob("*.py")):
        found += blocks_above_c(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == [], "\n".join(found)


def test_the_check_sees_a_function_at_d():
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(22))
    assert blocks_above_c(f"def tangled(x):\n{branches}\n    return -1\n", "example.py") == [
        "example.py:1 tangled D (23)"]
    method = "class K:\n    def m(self, x):\n" + "\n".join(
        f"        if x == {i}:\n            return {i}" for i in range(22))
    assert blocks_above_c(method + "\n", "k.py") == ["k.py:2 m D (23)"]
    nested = "def outer():\n    def inner(x):\n" + "\n".join(
        f"        if x == {i}:\n            return {i}" for i in range(22)) + "\n    return inner\n"
    assert blocks_above_c(nested, "n.py") == ["n.py:2 inner D (23)"]
