"""Named votes (biểu quyết) on an agenda item: Đồng ý / Không đồng ý / Phiếu trắng, one ballot
per person. The ballot's UNIQUE (vote_id, user_id) is the guard under simultaneous requests;
the vote row is locked while a ballot is cast or the vote closed (PostgreSQL: FOR UPDATE;
SQLite: the write transaction), so no ballot slips in after the closing."""
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..core.db_setup import write_transaction
from ..core.access import get_or_404
from ..core.errors import Conflict, Forbidden
from ..core.timeutil import to_local, utcnow
from ..core.types import parse_id
from ..extensions import db
from ..meetings.inputs import text_field
from ..meetings.inputs import invalid
from ..meetings.queries import get_meeting
from .access import require_host, require_open_meeting
from .models import CHOICES, AgendaItem, Ballot, Vote

QUESTION_MAX = 500


def votes_of(meeting) -> list[Vote]:
    return list(db.session.scalars(sa.select(Vote).where(Vote.meeting_id == meeting.id)
                                   .order_by(Vote.opened_at, Vote.id)))


def get_vote(vote_id, lock: bool = False) -> Vote:
    return get_or_404(Vote, vote_id, _("Không tìm thấy cuộc biểu quyết."),
                      with_for_update=lock or None, populate_existing=lock)


def open_vote(actor, meeting, data: dict) -> Vote:
    require_host(actor, meeting)
    require_open_meeting(meeting)
    errors: dict[str, str] = {}
    question = text_field(errors, data, "question", QUESTION_MAX, required=True)
    raw_item = data.get("agenda_item")
    item = None
    if raw_item not in (None, ""):
        # a JSON number, within what the database stores (a larger one is no item: 422)
        if isinstance(raw_item, int) and not isinstance(raw_item, bool) and parse_id(raw_item):
            item = db.session.get(AgendaItem, raw_item)
        if item is None or item.meeting_id != meeting.id:
            errors["agenda_item"] = _("Mục chương trình không thuộc cuộc họp này.")
    if errors:
        raise invalid(errors)
    vote = Vote(meeting_id=meeting.id, agenda_item_id=item.id if item else None,
                question=question, status="open", opened_by_id=actor.id, opened_at=utcnow())
    db.session.add(vote)
    db.session.flush()
    record(actor, "meeting.vote_open", "meeting", meeting.id, unit=meeting.host_unit,
           summary=_("Mở biểu quyết: %(q)s", q=question), changes={"vote": [None, question]})
    return vote


def cast_ballot(actor, vote_id, choice) -> Ballot:
    """403 for a user outside the host and the invited units, 409 once closed or for a second
    ballot (also when two arrive at the same moment)."""
    with write_transaction():
        vote = get_vote(vote_id, lock=True)
        meeting = get_meeting(vote.meeting_id)
        if not meeting.can_vote(actor):
            raise Forbidden(_("Chỉ thành viên của đơn vị chủ trì và các đơn vị được mời được "
                              "biểu quyết."))
        if choice not in CHOICES:
            raise invalid({"choice": _("Lựa chọn phải là một trong: %(values)s.",
                                       values=", ".join(CHOICES))})
        if vote.status != "open":
            raise Conflict(_("Cuộc biểu quyết đã kết thúc."))
        if db.session.scalar(sa.select(Ballot.id).where(Ballot.vote_id == vote.id,
                                                        Ballot.user_id == actor.id)):
            raise Conflict(_("Bạn đã biểu quyết rồi; mỗi người chỉ một phiếu."))
        ballot = Ballot(vote_id=vote.id, user_id=actor.id, choice=choice, cast_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(ballot)
        except IntegrityError:
            raise Conflict(_("Bạn đã biểu quyết rồi; mỗi người chỉ một phiếu.")) from None
        record(actor, "meeting.ballot", "meeting", meeting.id, unit=meeting.host_unit,
               summary=_("Biểu quyết: %(q)s", q=vote.question), changes={"choice": [None, choice]})
    return ballot


def close_vote(actor, vote_id) -> Vote:
    with write_transaction():
        vote = get_vote(vote_id, lock=True)
        meeting = get_meeting(vote.meeting_id)
        require_host(actor, meeting)
        if vote.status != "open":
            raise Conflict(_("Cuộc biểu quyết đã kết thúc."))
        vote.status, vote.closed_at = "closed", utcnow()
        db.session.flush()
        counts = tally(vote)
        record(actor, "meeting.vote_close", "meeting", meeting.id, unit=meeting.host_unit,
               summary=_("Kết thúc biểu quyết: %(q)s", q=vote.question),
               changes={"results": [None, {c: counts[c]["count"] for c in CHOICES}]})
    return vote


def tally(vote: Vote) -> dict:
    """{choice: {"count", "percent"}}: percent of the ballots cast, null when none was."""
    rows = dict(db.session.execute(sa.select(Ballot.choice, sa.func.count())
                                   .where(Ballot.vote_id == vote.id).group_by(Ballot.choice)).all())
    total = sum(rows.values())
    return {choice: {"count": rows.get(choice, 0),
                     "percent": round(100 * rows.get(choice, 0) / total, 1) if total else None}
            for choice in CHOICES}


def vote_dict(vote: Vote, viewer=None) -> dict:
    ballots = list(db.session.scalars(sa.select(Ballot).where(Ballot.vote_id == vote.id)
                                      .order_by(Ballot.cast_at, Ballot.id)))
    mine = next((b.choice for b in ballots if viewer is not None and b.user_id == viewer.id), None)
    data = {"id": vote.id, "question": vote.question, "agenda_item": vote.agenda_item_id,
            "status": vote.status, "opened_at": to_local(vote.opened_at).isoformat(),
            "closed_at": to_local(vote.closed_at).isoformat() if vote.closed_at else None,
            "ballots_cast": len(ballots), "my_choice": mine}
    if vote.status == "closed":
        data["results"] = tally(vote)
        data["ballots"] = [{"user": b.user.username, "name": b.user.full_name or b.user.username,
                            "unit": b.user.unit.code, "choice": b.choice} for b in ballots]
    return data
