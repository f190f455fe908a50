"""The one-way stack of the README's "Architecture" section, as the contracts in .importlinter
state it: lint-imports reads every import of scheduler/, those inside functions too, and fails
on one that runs the wrong way (a lower layer or domain package importing a higher one, a
cycle inside a package)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint_imports() -> str:
    beside_python = Path(sys.executable).with_name("lint-imports")
    return str(beside_python) if beside_python.exists() else shutil.which("lint-imports") or "lint-imports"


def run_lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root))  # the copy under test, not the installed package
    return subprocess.run([lint_imports(), "--no-cache"], cwd=root, capture_output=True,
                          text=True, timeout=300, env=env)


def test_imports_keep_the_declared_stack():
    result = run_lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("module, upward, refusal", [
    # a function-level import is no way around the stack
    ("units/services.py", "from ..meetings.queries import get_meeting",
     "scheduler.units is not allowed to import scheduler.meetings"),
    ("audit/services.py", "from ..units.models import Unit",
     "scheduler.audit is not allowed to import scheduler.units"),
    ("notifications/notices.py", "from ..jobs.runner import JOBSTORE_TABLE",
     "scheduler.notifications is not allowed to import scheduler.jobs"),
    ("meetings/models.py", "from ..paperless.models import Minutes",
     "scheduler.meetings is not allowed to import scheduler.paperless"),
    # a paperless service announces its change; the version rise is a subscriber's business
    ("paperless/documents.py", "from ..meetings.locking import raise_version",
     "scheduler.paperless.documents -> scheduler.meetings.locking"),
])
def test_an_import_up_the_stack_is_refused(tmp_path, module, upward, refusal):
    shutil.copytree(ROOT / "scheduler", tmp_path / "scheduler",
                    ignore=shutil.ignore_patterns("static", "templates", "translations", "data",
                                                  "__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path)
    with open(tmp_path / "scheduler" / module, "a", encoding="utf-8") as source:
        source.write(f"\n\ndef _reaching_up():\n    {upward}\n")
    result = run_lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert refusal in result.stdout.replace("\n", " ")
