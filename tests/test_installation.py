"""One installation, one secret key: processes started together (gunicorn's workers) agree on
the key written into instance/config.py instead of each generating its own."""
import subprocess
import sys

from tests.conftest import ROOT

# create_app() with the instance folder moved to the test's temporary directory
START = """
import sys
import scheduler
from scheduler.core.faults import SchedulerFlask
scheduler.SchedulerFlask = lambda name, **kw: SchedulerFlask(name, instance_path=sys.argv[1], **kw)
print(scheduler.create_app().config["SECRET_KEY"])
"""


def start_apps(tmp_path, count: int) -> set[str]:
    instance = tmp_path / "instance"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}
    processes = [subprocess.Popen([sys.executable, "-c", START, str(instance)], cwd=ROOT,
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(count)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err for _out, err in outputs]
    return {out.strip() for out, _err in outputs}


def test_workers_started_together_share_one_generated_key(tmp_path):
    keys = start_apps(tmp_path, 6)
    assert len(keys) == 1 and len(next(iter(keys))) == 64
    assert (tmp_path / "instance" / "config.py").read_text().count("SECRET_KEY =") == 1
    # a later start reads the same key
    assert start_apps(tmp_path, 1) == keys
