"""One ballot per person under simultaneous requests: many threads, each with its own session
and connection, cast the same person's ballot at once; exactly one is stored and the others get
409 — never a 500 or a second ballot — on SQLite and on PostgreSQL alike. Different people
voting at the same moment all get their ballot in."""
import pytest

from scheduler.auth.models import User
from scheduler.core.errors import Conflict
from scheduler.extensions import db
from scheduler.paperless import votes
from scheduler.paperless.models import Ballot, Vote
from tests.conftest import count
from tests.booking_helpers import race

WORKERS = 8


class Casting:
    def __init__(self, app, user_ids, vote_id, choices):
        self.app, self.user_ids, self.vote_id, self.choices = app, user_ids, vote_id, choices
        self.contexts = {}

    def prepare(self, index):
        ctx = self.app.app_context()
        ctx.push()
        self.contexts[index] = ctx
        return db.session.get(User, self.user_ids[index])

    def __call__(self, index, user):
        try:
            ballot = votes.cast_ballot(user, self.vote_id, self.choices[index % len(self.choices)])
            db.session.commit()
            return ("cast", ballot.choice)
        except Conflict:
            db.session.rollback()
            return ("conflict", None)
        finally:
            db.session.remove()
            self.contexts.pop(index).pop()


@pytest.fixture
def vote(paperless):
    opened = votes.open_vote(paperless.users["host"], paperless.meeting, {"question": "Thông qua"})
    db.session.commit()
    return opened.id


def test_one_ballot_per_person_under_simultaneous_requests(app, paperless, vote):
    guest = paperless.users["guest"].id
    results = race(WORKERS, Casting(app, [guest] * WORKERS, vote, ["dong_y", "khong_dong_y"]))
    unexpected = [r for r in results if not (isinstance(r, tuple) and r[0] in ("cast", "conflict"))]
    assert unexpected == [], f"ballots ended otherwise than 201 or 409: {unexpected!r}"
    assert [r[0] for r in results].count("cast") == 1
    db.session.rollback()
    assert count(Ballot) == 1
    stored = db.session.scalars(db.select(Ballot)).one()
    assert stored.user_id == guest and stored.choice == next(r[1] for r in results if r[0] == "cast")


def test_different_people_voting_at_once_all_count(app, paperless, vote, create_user, tree):
    people = [create_user(f"vp_trucbach_{i}", "staff", tree.truc_bach).id for i in range(WORKERS)]
    db.session.commit()
    results = race(WORKERS, Casting(app, people, vote, ["dong_y", "phieu_trang"]))
    assert [r[0] for r in results] == ["cast"] * WORKERS, results
    db.session.rollback()
    assert count(Ballot) == WORKERS
    closed = votes.close_vote(paperless.users["host"], vote)
    db.session.commit()
    results_ = votes.tally(db.session.get(Vote, closed.id))
    assert results_["dong_y"]["count"] == results_["phieu_trang"]["count"] == WORKERS // 2
