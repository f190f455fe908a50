"""The units' domain events (core/signals.py), sent inside the change's transaction."""
from ..core.signals import DomainEvent

paths_moved = DomainEvent("A unit (the sender) moved in the tree, and the paths of its subtree "
                          "with it; sent once they are rewritten and the session expired.")
