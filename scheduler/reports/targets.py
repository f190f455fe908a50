"""The targets themselves: the seeded defaults, reading them, and the admin's edits (audited)."""
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..core.access import require
from ..core.errors import NotFound, ValidationError
from ..core.upsert import insert_missing, locked_row
from ..extensions import db
from ..meetings.models import CATEGORIES
from .models import Target, TargetCategory, TargetThreshold

# The city's plan: code, name (Vietnamese, as the plan words it), measure, categories, threshold.
DEFAULT_TARGETS = (
    ("online_80", "Họp triển khai, sơ kết, tổng kết, tập huấn trực tuyến", "share",
     ("trien_khai", "so_ket", "tong_ket", "tap_huan"), 80),
    ("online_30", "Họp giao ban, nhiều thành phần, họp khác trực tuyến", "share",
     ("giao_ban", "lam_viec", "khac"), 30),
    ("ward_vc", "Phường/xã có hệ thống hội nghị truyền hình", "ward_vc", (), 100),
    ("ward_wan", "Phường/xã kết nối mạng diện rộng", "ward_wan", (), 100),
    # the paperless share is reported beside the online share; the city sets its threshold
    ("paperless", "Họp không giấy tờ", "paperless", CATEGORIES, None),
)
# The year the seeded thresholds start from; later years fall back to it until a plan changes them.
DEFAULT_THRESHOLD_YEAR = 2018


def _default_target(position: int) -> Target:
    code, name, measure, categories, percent = DEFAULT_TARGETS[position]
    target = Target(code=code, name=name, measure=measure, position=position)
    target.category_rows = [TargetCategory(category=c) for c in categories]
    target.thresholds = ([] if percent is None else
                         [TargetThreshold(year=DEFAULT_THRESHOLD_YEAR, percent=Decimal(percent))])
    return target


def ensure_default_targets() -> int:
    """Create the seeded targets that are missing (idempotent; `flask init-db` runs it).
    Returns how many were added."""
    existing = set(db.session.scalars(sa.select(Target.code)))
    added = 0
    for position, (code, *_rest) in enumerate(DEFAULT_TARGETS):
        if code in existing:
            continue
        db.session.add(_default_target(position))
        added += 1
    if added:
        db.session.flush()
    return added


def _query():
    return (sa.select(Target).options(selectinload(Target.category_rows),
                                      selectinload(Target.thresholds))
            .order_by(Target.position, Target.code))


def active_targets() -> list[Target]:
    """Every target in display order. A database that `init-db` has not seeded yet reads the
    defaults without storing them: report pages only read (and may read from a replica)."""
    targets = list(db.session.scalars(_query()))
    if not targets:
        targets = [_default_target(position) for position in range(len(DEFAULT_TARGETS))]
    return targets


def get_target(code: str) -> Target:
    """The target to read (a default one, unsaved, on a database not seeded yet)."""
    target = next((t for t in active_targets() if t.code == code), None)
    if target is None:
        raise NotFound(_("Không tìm thấy chỉ tiêu %(code)s.", code=code))
    return target


def target_to_change(code: str) -> Target:
    """The stored target an admin edits; seeds the defaults first on a fresh database."""
    target = db.session.scalar(_query().where(Target.code == code))
    if target is None and ensure_default_targets():
        target = db.session.scalar(_query().where(Target.code == code))
    if target is None:
        raise NotFound(_("Không tìm thấy chỉ tiêu %(code)s.", code=code))
    return target


def _parse_percent(value) -> Decimal:
    try:
        percent = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        percent = None
    if percent is None or not percent.is_finite() or not 0 <= percent <= 100:
        raise ValidationError(_("Ngưỡng phải là số phần trăm từ 0 đến 100."), {"field": "percent"})
    return percent.quantize(Decimal("0.1"))


def update_target(actor, target: Target, name: str, categories: list[str] | None) -> Target:
    """Rename a target and, for a share target, change the categories it counts."""
    require("administer", user=actor)
    name = (name or "").strip()
    if not name or len(name) > 300:
        raise ValidationError(_("Tên chỉ tiêu không được để trống (tối đa 300 ký tự)."),
                              {"field": "name"})
    before = {"name": target.name, "categories": target.categories}
    target.name = name
    if target.counts_meetings and categories is not None:
        unknown = [c for c in categories if c not in CATEGORIES]
        if unknown or not categories:
            raise ValidationError(_("Cần chọn ít nhất một loại cuộc họp hợp lệ."),
                                  {"field": "categories", "unknown": unknown})
        keep = {row.category: row for row in target.category_rows}
        target.category_rows = [keep.get(c) or TargetCategory(category=c) for c in sorted(set(categories))]
    after = {"name": target.name, "categories": target.categories}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        db.session.flush()
        record(actor, "target.update", "target", target.id, summary=target.code, changes=changes)
    return target


def set_threshold(actor, target: Target, year, percent) -> TargetThreshold:
    """Set (or change) the target's threshold for a year."""
    require("administer", user=actor)
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = None
    if year is None or not 2000 <= year <= 2100:
        raise ValidationError(_("Năm không hợp lệ."), {"field": "year"})
    percent = _parse_percent(percent)
    # created on first use, then locked: two admins setting one year at once neither fail on
    # the unique key nor interleave (core/upsert.py)
    created = insert_missing(TargetThreshold, {"target_id": target.id, "year": year,
                                               "percent": percent}, ["target_id", "year"])
    row = locked_row(TargetThreshold, target_id=target.id, year=year)
    old = None if created else row.percent
    row.percent = percent
    db.session.flush()
    db.session.expire(target, ["thresholds"])  # read again, with the new year in its place
    if old != percent:
        record(actor, "target.threshold", "target", target.id,
               summary=f"{target.code} {year}", changes={f"threshold_{year}": [old, percent]})
    return row


def delete_threshold(actor, target: Target, year: int) -> None:
    require("administer", user=actor)
    row = next((t for t in target.thresholds if t.year == year), None)
    if row is None:
        raise NotFound(_("Không có ngưỡng năm %(year)s.", year=year))
    if len(target.thresholds) == 1 and target.measure != "paperless":
        raise ValidationError(_("Chỉ tiêu phải có ít nhất một ngưỡng."))
    target.thresholds.remove(row)
    db.session.flush()
    record(actor, "target.threshold_delete", "target", target.id,
           summary=f"{target.code} {year}", changes={f"threshold_{year}": [row.percent, None]})
