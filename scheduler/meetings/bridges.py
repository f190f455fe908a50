"""Video-conference bridge providers: where the join link of an online meeting comes from.

A small registry plus base class in the manner of CTFd's challenge types: an installation picks
its provider with the VIDEO_BRIDGE setting; another provider is a subclass registered under its
own id.
"""
import re
import secrets
import unicodedata
from abc import ABC, abstractmethod

from flask import Flask, current_app

from ..core.settings import SettingsError, settings


class BaseBridge(ABC):
    """A provider of meeting rooms on a video-conference bridge."""

    id = ""
    name = ""

    def __init__(self, config):
        self.config = config  # app.config: a provider's own keys beside the typed settings

    @abstractmethod
    def join_url(self, meeting) -> str:
        """The link participants open to join the meeting's room."""


BRIDGES: dict[str, type[BaseBridge]] = {}


def register_bridge(cls: type[BaseBridge]) -> type[BaseBridge]:
    BRIDGES[cls.id] = cls
    return cls


def slugify(text: str, max_length: int = 40) -> str:
    """ASCII slug of a Vietnamese title: 'Giao ban tuần' -> 'giao-ban-tuan'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "cuoc-hop"


@register_bridge
class JitsiBridge(BaseBridge):
    """Jitsi Meet creates a room on first join, so the link is all there is to make; the random
    suffix keeps the room name unguessable."""

    id = "jitsi"
    name = "Jitsi Meet"

    def join_url(self, meeting) -> str:
        base = settings().jitsi_base_url.rstrip("/")
        return f"{base}/{slugify(meeting.title)}-{secrets.token_hex(6)}"


def check_bridge(app: Flask) -> None:
    """VIDEO_BRIDGE names a registered provider, or the application does not start."""
    bridge_id = settings(app).video_bridge
    if bridge_id not in BRIDGES:
        raise SettingsError(f"VIDEO_BRIDGE must be one of {', '.join(sorted(BRIDGES))}, "
                            f"not {bridge_id!r}")


def get_bridge() -> BaseBridge:
    bridge_id = settings().video_bridge
    if bridge_id not in BRIDGES:  # set on app.config after start-up
        raise LookupError(f"unknown VIDEO_BRIDGE {bridge_id!r}; known: {sorted(BRIDGES)}")
    return BRIDGES[bridge_id](current_app.config)
