"""A paperless meeting in Chromium: the host uploads a document, opens a vote, casts a ballot,
closes the vote and prints the minutes in the official form."""
import re

import pytest

from tests.paperless_helpers import PDF_BYTES

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server_config(tmp_path):
    return {"DOCUMENT_DIR": str(tmp_path / "served-documents")}


def test_paperless_meeting_from_document_to_printed_minutes(paperless, live_server, page, tmp_path, sign_in):
    from playwright.sync_api import expect

    sign_in(page, "vp_phucxa", "matkhau123")
    page.goto(f"{live_server}/meetings/{paperless.id}")
    expect(page.get_by_test_id("paperless")).to_be_visible()

    page.get_by_test_id("document-file").set_input_files(
        {"name": "bao-cao-quy-4.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
    page.get_by_test_id("upload-document").click()
    expect(page.get_by_role("alert")).to_contain_text("Đã tải lên tài liệu.")
    expect(page.get_by_test_id("document-link")).to_have_text("bao-cao-quy-4.pdf")
    assert len(list((tmp_path / "served-documents").rglob("*.pdf"))) == 1

    page.get_by_test_id("vote-question").fill("Thông qua kế hoạch chuyển đổi số năm 2027")
    page.get_by_test_id("open-vote").click()
    vote = page.get_by_test_id("vote")
    expect(vote).to_have_attribute("data-vote-status", "open")
    page.get_by_test_id("cast-dong_y").click()
    expect(page.get_by_role("alert")).to_contain_text("Đã ghi nhận phiếu biểu quyết.")
    expect(vote).to_contain_text("Bạn đã biểu quyết: Đồng ý")
    page.get_by_test_id("close-vote").click()
    expect(vote).to_have_attribute("data-vote-status", "closed")
    expect(page.get_by_test_id("vote-results")).to_contain_text("Đồng ý: 1 (100.0%)")

    page.get_by_test_id("print-minutes").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{paperless.id}/minutes/print$"))
    doc = page.get_by_test_id("minutes-doc")
    expect(page.get_by_test_id("quoc-hieu")).to_have_text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    expect(page.get_by_test_id("tieu-ngu")).to_have_text("Độc lập - Tự do - Hạnh phúc")
    expect(page.get_by_test_id("dateline")).to_have_text(
        re.compile(r"^Hà Nội, ngày \d{2} tháng \d{2} năm \d{4}$"))
    expect(doc).to_contain_text("BIÊN BẢN")
    expect(page.get_by_test_id("minutes-votes")).to_contain_text(
        "Thông qua kế hoạch chuyển đổi số năm 2027: Đồng ý 1/1 (100.0%)")
    # printed, the application's menu and buttons stay off the page
    page.emulate_media(media="print")
    expect(page.get_by_test_id("print")).to_be_hidden()
    expect(doc).to_be_visible()
    assert pdf_pages(page.pdf(format="A4", prefer_css_page_size=True)) == 1

    # the conclusion notice prints on one page as well
    page.emulate_media(media="screen")
    page.goto(f"{live_server}/meetings/{paperless.id}/conclusion/print")
    expect(page.get_by_test_id("conclusion-doc")).to_contain_text("THÔNG BÁO")
    expect(page.get_by_test_id("quoc-hieu")).to_have_text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    page.emulate_media(media="print")
    assert pdf_pages(page.pdf(format="A4", prefer_css_page_size=True)) == 1


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF Chromium printed (its page objects are not compressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
