"""Shared set-up of the paperless tests: a paperless meeting of Phúc Xá with Trúc Bạch
invited, bearer tokens per user, and small PDF / Office files built in memory."""
import io
import zipfile
from types import SimpleNamespace

import pytest
from flask import g

from scheduler.auth import services as auth_services
from scheduler.extensions import db
from scheduler.meetings import services as meeting_services
from tests.booking_helpers import at, request_for

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ooxml(kind: str = "word") -> bytes:
    main = {"word": ("word/document.xml", "wordprocessingml.document.main"),
            "xl": ("xl/workbook.xml", "spreadsheetml.sheet.main"),
            "ppt": ("ppt/presentation.xml", "presentationml.presentation.main")}[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types><Override PartName="/' + main[0]
                         + '" ContentType="application/vnd.openxmlformats-officedocument.'
                         + main[1] + '+xml"/></Types>')
        package.writestr(main[0], "<doc/>")
    return buffer.getvalue()


class Api:
    """Calls the API as one user or another (bearer tokens)."""

    def __init__(self, client, tokens):
        self.client, self.tokens = client, tokens

    def __call__(self, method, url, who, **kw):
        g.pop("_login_user", None)  # the app fixture shares one `g` across requests
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.open(f"/api/v1{url}", method=method, headers=headers, **kw)


@pytest.fixture
def paperless(app, tree, client, create_user, tmp_path):
    app.config["DOCUMENT_DIR"] = str(tmp_path / "documents")
    truc_bach_staff = create_user("vp_trucbach", "staff", tree.truc_bach, full_name="Lê Văn Bình")
    second_host = create_user("vp_phucxa_2", "staff", tree.phuc_xa, full_name="Trần Thị Hoa")
    db.session.commit()
    meeting = meeting_services.book_meeting(tree.users.ward_staff, request_for(
        tree.phuc_xa, at(10, 8), minutes=120, paperless=True, participants=["00004"],
        title="Họp không giấy tờ quý IV", chair="Chủ tịch UBND phường"))
    db.session.commit()
    users = {"host": tree.users.ward_staff, "host2": second_host, "guest": truc_bach_staff,
             "stranger": tree.users.other_ward_staff, "admin": tree.users.admin,
             "district_admin": tree.users.district_admin}
    tokens = {name: auth_services.issue_token(user)[0] for name, user in users.items()}
    db.session.commit()
    return SimpleNamespace(meeting=meeting, id=meeting.id, users=users, api=Api(client, tokens),
                           documents=tmp_path / "documents")
