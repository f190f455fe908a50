"""The English catalog covers the whole interface, and English is what an English reader sees.

The msgids are the Vietnamese text; scripts/update_translations.sh extracts them into
scheduler/translations/en/LC_MESSAGES/messages.po and compiles messages.mo.
"""
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "scheduler" / "translations" / "en" / "LC_MESSAGES"
# keep in step with KEYWORDS in scripts/update_translations.sh
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2),
            "stored_text": None}
VIETNAMESE_LETTERS = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]",
                                re.IGNORECASE)


def source_msgids() -> dict[str, str]:
    """Every marked string of the source, with where it was found."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalog():
    with open(CATALOG / "messages.po", "rb") as fh:
        return read_po(fh, locale="en")


def _translations(catalog) -> dict[str, str]:
    return {message.id: message.string for message in catalog
            if message.id and message.string and not message.fuzzy}


def test_every_string_of_the_interface_has_an_english_translation(catalog):
    translated = _translations(catalog)
    missing = {msgid: where for msgid, where in source_msgids().items() if msgid not in translated}
    assert not missing, ("untranslated strings; run scripts/update_translations.sh and translate "
                         "them in messages.po:\n" + "\n".join(f"  {w}: {m}" for m, w in missing.items()))


def test_translations_are_english_and_keep_their_placeholders(catalog):
    copied = [m.id for m in catalog if m.id and m.string and m.string == m.id
              and VIETNAMESE_LETTERS.search(m.id)]
    assert not copied, f"Vietnamese copied as English: {copied}"
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert not problems, f"placeholders differ between msgid and translation: {problems}"


def test_compiled_catalog_matches_the_po_file(catalog):
    with open(CATALOG / "messages.mo", "rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    assert compiled == _translations(catalog), "messages.mo is stale: run scripts/update_translations.sh"


def test_english_interface_shows_english(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Đăng nhập" in page and 'lang="vi"' in page
    client.post("/language/en")
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in" in page and 'lang="en"' in page
    assert "Đăng nhập" not in page
    assert "Username" in page and "Password" in page


def test_english_error_messages(tree, client, auth):
    client.post("/language/en")
    response = auth.login("vp_phucxa", "saimatkhau")
    assert "Incorrect username or password." in response.get_data(as_text=True)
    assert "Page or data not found." in client.get("/khong-co").get_data(as_text=True)
