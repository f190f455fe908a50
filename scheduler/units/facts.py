"""The wards' connection facts moved to endpoints/facts.py, beside the endpoints and the dated
changes they are read from. This name stays only for meetings/conflicts.py, which imports it and
is being changed on another branch; the one upward import left in the stack (.importlinter
ignores it by name). Import `..endpoints.facts` instead."""
from ..endpoints.facts import facts_on  # noqa: F401
