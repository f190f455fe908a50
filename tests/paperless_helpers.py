"""Documents for the paperless tests: small PDF and Office files built in memory. The paperless
meeting itself is the `paperless` fixture (tests/factories.py)."""
import io
import zipfile

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
