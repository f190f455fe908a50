"""Finding meetings by what people type: the one text search behind the search page and
`GET /api/v1/meetings?q=`. Words match the title or the host unit's name, each word anywhere,
without regard to case or Vietnamese marks ("tong ket ba dinh" finds "Hội nghị tổng kết" of
"Quận Ba Đình"); see core/textsearch.py."""
from datetime import date

import sqlalchemy as sa

from ..core.access import reach_condition
from ..core.textsearch import contains, fold
from ..core.timeutil import local_day_bounds
from ..units.models import Unit
from .models import Meeting, Occurrence, meeting_participant

MAX_QUERY = 200


def text_condition(words: str | None):
    """SQL condition on Meeting: every word typed is in its title or its host unit's name."""
    terms = fold(words or "").split()
    if not terms:
        return sa.true()
    host_name = sa.select(Unit.name).where(Unit.id == Meeting.host_unit_id).scalar_subquery()
    return sa.and_(*(sa.or_(contains(Meeting.title, t), contains(host_name, t)) for t in terms))


def _involving(unit_ids):
    """Hosted by or taking part: a UNION of two indexed id sets (see serializers.involving)."""
    hosted = sa.select(Meeting.id).where(Meeting.host_unit_id.in_(unit_ids))
    taking_part = (sa.select(meeting_participant.c.meeting_id)
                   .where(meeting_participant.c.unit_id.in_(unit_ids)))
    return Meeting.id.in_(sa.union(hosted, taking_part))


def search_meetings(viewer, *, words: str | None = None, unit: Unit | None = None,
                    category: str | None = None, start_day: date | None = None,
                    end_day: date | None = None):
    """A select of the meetings the viewer may see that match, newest first (page it)."""
    visible_units = sa.select(Unit.id).where(reach_condition(viewer, "view"))
    query = sa.select(Meeting).where(_involving(visible_units), text_condition(words))
    if category:
        query = query.where(Meeting.category == category)
    if unit is not None:
        query = query.where(_involving([unit.id]))
    if start_day or end_day:
        start, end = local_day_bounds(start_day or date(1900, 1, 1), end_day or date(9999, 1, 1))
        query = query.where(Meeting.id.in_(sa.select(Occurrence.meeting_id).where(
            Occurrence.start_at >= start, Occurrence.start_at < end)))
    return query.order_by(Meeting.start_at.desc(), Meeting.id.desc())
