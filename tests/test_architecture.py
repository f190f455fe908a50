"""The one-way stack of the README's "Architecture" section, as the contracts in .importlinter
state it: lint-imports reads every import of scheduler/, those inside functions too, and fails
on one that runs the wrong way (core importing a domain package, a domain package importing
the API or the job runner, a cycle inside a package)."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports() -> str:
    beside_python = Path(sys.executable).with_name("lint-imports")
    return str(beside_python) if beside_python.exists() else shutil.which("lint-imports") or "lint-imports"


def test_imports_keep_the_declared_stack():
    result = subprocess.run([lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
