"""Recognising a document by its content, never by its name or the browser's claim.

PDF starts with "%PDF-". DOCX, XLSX and PPTX are ZIP packages (Office Open XML) holding
[Content_Types].xml and the main part of their kind (word/, xl/, ppt/). An executable renamed
to "report.pdf", a ZIP of anything else, or a legacy binary .doc is not one of them.
"""
import zipfile
from typing import BinaryIO

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx", PPTX: ".pptx"}
# the part each package must hold, and the content type [Content_Types].xml declares for it
_OOXML = (
    (DOCX, "word/document.xml", b"wordprocessingml.document.main"),
    (XLSX, "xl/workbook.xml", b"spreadsheetml.sheet.main"),
    (PPTX, "ppt/presentation.xml", b"presentationml.presentation.main"),
)
_MAX_CONTENT_TYPES_BYTES = 1 << 20


def detect(stream: BinaryIO) -> str | None:
    """The content type of the file in `stream` (a seekable binary file), or None when it is
    not a PDF, DOCX, XLSX or PPTX. Leaves the stream at its start."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"PK\x03\x04"):
            return _ooxml_type(stream)
        return None
    finally:
        stream.seek(0)


def _ooxml_type(stream: BinaryIO) -> str | None:
    try:
        with zipfile.ZipFile(stream) as package:
            names = set(package.namelist())
            if "[Content_Types].xml" not in names:
                return None
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > _MAX_CONTENT_TYPES_BYTES:  # not a real package: do not inflate
                return None
            declared = package.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        return None
    for content_type, main_part, marker in _OOXML:
        if main_part in names and marker in declared:
            return content_type
    return None
