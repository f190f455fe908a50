"""Vietnamese subjects keep every space between words in every reader: each RFC 2047 encoded
word decodes to text that neither starts nor ends with a space (whitespace between encoded words
is dropped by the standard, and readers trim it at their edges), and the subject decodes back
exactly with Python's `email`."""
import base64
import re
from datetime import datetime, timezone
from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest

from scheduler.mail.services import build_message

SUBJECTS = [
    "Giấy mời họp: Hội nghị triển khai kế hoạch chuyển đổi số năm 2027 tại Đường Lê Duẩn",
    "Thay đổi lịch họp: Họp bàn kế hoạch tổ chức Tết Nguyên đán và lễ hội xuân của phường",
    "Nhắc lịch họp: Họp giao ban tuần – 07/12/2026 08:00",
    "Hủy cuộc họp: Hội nghị sơ kết công tác cải cách hành chính 6 tháng đầu năm, "
    "triển khai nhiệm vụ 6 tháng cuối năm của Ủy ban nhân dân Quận Ba Đình",
    # decomposed marks (NFD, as some keyboards type them) must not be cut from their letter
    "Ke\u0302\u0301 hoa\u0323ch chuye\u0302\u0309n đo\u0302\u0309i so\u0302\u0301 " * 3,
]
WORD = re.compile(rb"=\?utf-8\?b\?([A-Za-z0-9+/=]+)\?=")


def _raw(subject: str) -> bytes:
    mail = SimpleNamespace(subject=subject, recipients=["vanthu@phucxa.gov.vn"], body_text="x", message_id=None,
                           body_html=None, ical=None, ical_method=None, attachments=None,
                           id=1, created_at=datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc))
    return build_message(mail, "Lịch họp <lichhop@hanoi.gov.vn>").as_bytes()


@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_space_survives_the_encoding(subject):
    raw = _raw(subject)
    header = re.search(rb"^Subject: (.*?)\r?\n(?=\S)", raw, re.M | re.S).group(1)
    words = WORD.findall(header)
    assert words, header
    # nothing but encoded words and folding whitespace: no plain word a reader might glue
    assert WORD.sub(b"", header).strip() == b""
    texts = [base64.b64decode(w).decode("utf-8") for w in words]
    for text in texts:
        assert text == text.strip(), f"an encoded word begins or ends with a space: {text!r}"
    expected = " ".join(subject.split())
    assert "".join(texts) == expected  # the decoded words, joined with nothing between
    assert message_from_bytes(raw, policy=policy.default)["Subject"] == expected
    for line in raw.split(b"\n"):
        assert len(line.rstrip(b"\r")) <= 78


def test_an_ascii_subject_stays_readable():
    raw = _raw("Monthly report")
    assert b"Subject: Monthly report" in raw
