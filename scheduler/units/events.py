"""The units' domain events (see core/signals.py), sent inside the change's transaction."""
from ..core.signals import DomainEvent

paths_moved = DomainEvent(
    "unit-paths-moved", "A unit (the sender) moved in the tree, and the materialised paths of "
    "its subtree with it; sent after the paths were rewritten and the session expired.")
