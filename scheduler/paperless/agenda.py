"""The agenda (chương trình họp): ordered items with a title, a presenter and planned minutes.
Replacing the list keeps the items that come back with their id (documents and votes stay
attached to them) and drops the others."""
import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..meetings.inputs import text_field
from ..meetings.inputs import invalid
from .access import require_host, require_open_meeting
from .events import agenda_changed
from .models import AgendaItem

MAX_ITEMS = 100
TITLE_MAX, PRESENTER_MAX, MAX_MINUTES = 300, 200, 24 * 60


def items_of(meeting) -> list[AgendaItem]:
    return list(db.session.scalars(sa.select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                   .order_by(AgendaItem.position, AgendaItem.id)))


def item_dict(item: AgendaItem) -> dict:
    return {"id": item.id, "position": item.position, "title": item.title,
            "presenter": item.presenter, "minutes": item.minutes}


def agenda_lines(items, free_text: str = "") -> list[str]:
    """The agenda as printed in invites and schedules: the items when there are any, else the
    free-text agenda of meetings booked before items existed."""
    if not items:
        return [line for line in (free_text or "").strip().splitlines()]
    lines = []
    for item in items:
        extra = ", ".join(part for part in (item.presenter,
                                           _("%(n)d phút", n=item.minutes) if item.minutes else "")
                          if part)
        lines.append(f"{item.position}. {item.title}" + (f" ({extra})" if extra else ""))
    return lines


def _parse_minutes(value, errors, key):
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        errors[key] = _("Số phút phải là số nguyên dương.")
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_MINUTES:
        errors[key] = _("Số phút phải là số nguyên từ 1 đến %(n)d.", n=MAX_MINUTES)
        return None
    return int(text)


def parse_items(raw) -> list[dict]:
    """Checked items from `{"items": [...]}`; every problem reported as items.N.field."""
    if not isinstance(raw, list):
        raise invalid({"items": _("Cần một danh sách các mục.")})
    if len(raw) > MAX_ITEMS:
        raise invalid({"items": _("Tối đa %(n)d mục.", n=MAX_ITEMS)})
    errors: dict[str, str] = {}
    items = []
    for index, entry in enumerate(raw):
        prefix = f"items.{index}"
        if not isinstance(entry, dict):
            errors[prefix] = _("Mỗi mục phải là một đối tượng.")
            continue
        local: dict[str, str] = {}
        title = text_field(local, entry, "title", TITLE_MAX, required=True)
        presenter = text_field(local, entry, "presenter", PRESENTER_MAX)
        minutes = _parse_minutes(entry.get("minutes"), local, "minutes")
        item_id = entry.get("id")
        if item_id is not None and (isinstance(item_id, bool) or not isinstance(item_id, int)):
            local["id"] = _("Mã mục phải là số.")
        errors.update({f"{prefix}.{key}": message for key, message in local.items()})
        items.append({"id": item_id, "title": title, "presenter": presenter, "minutes": minutes})
    if errors:
        raise invalid(errors)
    return items


def replace_agenda(actor, meeting, raw_items) -> list[AgendaItem]:
    require_host(actor, meeting)
    require_open_meeting(meeting)
    wanted = parse_items(raw_items)
    existing = {item.id: item for item in items_of(meeting)}
    unknown = [w["id"] for w in wanted if w["id"] is not None and w["id"] not in existing]
    if unknown:
        raise invalid({"items": _("Mục %(ids)s không thuộc cuộc họp này.",
                                  ids=", ".join(map(str, unknown)))})
    before = [item_dict(i) for i in existing.values()]
    kept_ids = {w["id"] for w in wanted if w["id"] is not None}
    for item_id, item in existing.items():
        if item_id not in kept_ids:
            db.session.delete(item)
    result = []
    for position, values in enumerate(wanted, start=1):
        item = existing.get(values["id"]) or AgendaItem(meeting_id=meeting.id)
        item.position, item.title = position, values["title"]
        item.presenter, item.minutes = values["presenter"], values["minutes"]
        db.session.add(item)
        result.append(item)
    db.session.flush()
    # the invite's description changed: the API and feeds revalidate (subscribers.py)
    agenda_changed.send(meeting, actor=actor, before=[i["title"] for i in before], items=result)
    return result
