"""The audit log page (Nhật ký), for admins: newest first, filtered and paginated."""
from flask import render_template, request

from ..core.access import permission_required
from ..core.errors import DomainError
from ..core.requests import page_arg, read_day
from ..extensions import db
from . import bp
from .presenting import action_label, present
from .search import audit_query, known_actions

PER_PAGE = 50

bp.add_app_template_global(action_label, "action_label")


@bp.route("/audit")
@permission_required("administer")
def index():
    args = request.args
    filters = {key: (args.get(key) or "").strip() for key in ("unit", "user", "start", "end", "action")}
    error, page = None, None
    try:
        query = audit_query(unit_code=filters["unit"], username=filters["user"],
                            start=read_day(filters["start"], "start"), end=read_day(filters["end"], "end"),
                            action=filters["action"])
        number = page_arg()
    except DomainError as err:
        # a bad filter is shown next to the form rather than as an error page
        error = err
    else:
        page = db.paginate(query, page=number, per_page=PER_PAGE, error_out=False)
    status = error.status if error else 200
    return render_template("audit/index.html", page=page, filters=filters, error=error,
                           entries=present(page.items) if page else [],
                           actions=known_actions()), status
