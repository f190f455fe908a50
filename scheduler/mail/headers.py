"""Non-ASCII subjects as RFC 2047 encoded words that keep every space in every reader.

Python's folder splits a long Vietnamese subject into encoded words at spaces and leaves plain
ASCII words between them; whitespace between two encoded words is not part of the text
(RFC 2047 §6.2), and several readers trim the space at the edge of an encoded word as well, so
"Đường Lê Duẩn" arrives as "Đường LêDuẩn". Here the whole subject is encoded, and it is cut
only between two letters — never next to a space, never before a combining mark — so joining
the decoded words without anything between them gives the subject back exactly.
"""
import base64
import unicodedata

CHARSET = "utf-8"
# an encoded word is at most 75 characters: =?utf-8?b?...?= holds 60 base64 characters
WORD_BYTES = 45
FIRST_WORD_BYTES = 39  # the first shares its line with "Subject: "


def _may_cut_before(text: str, index: int) -> bool:
    before, after = text[index - 1], text[index]
    return not (before.isspace() or after.isspace() or unicodedata.combining(after))


def _chunks(text: str) -> list[str]:
    chunks, start, limit = [], 0, FIRST_WORD_BYTES
    while start < len(text):
        end, size = start, 0
        while end < len(text) and size + len(text[end].encode(CHARSET)) <= limit:
            size += len(text[end].encode(CHARSET))
            end += 1
        if end < len(text):
            cut = end
            while cut > start + 1 and not _may_cut_before(text, cut):
                cut -= 1
            # a run of spaces longer than a word (never in practice): cut where it must
            end = cut if cut > start + 1 else end
        chunks.append(text[start:end])
        start, limit = end, WORD_BYTES
    return chunks


def encoded_words(text: str) -> list[str]:
    return [f"=?{CHARSET}?b?{base64.b64encode(chunk.encode(CHARSET)).decode('ascii')}?="
            for chunk in _chunks(text)]


class EncodedHeader(str):
    """A header value that folds itself (email.policy calls `fold` on values having a `name`):
    its text reads as usual, and it is written as the encoded words above."""

    def __new__(cls, name: str, text: str):
        value = super().__new__(cls, text)
        value.name = name
        return value

    def fold(self, *, policy) -> str:
        linesep = policy.linesep
        if str(self).isascii():
            return policy.clone(max_line_length=78).fold(self.name, str(self))
        return f"{self.name}: " + f"{linesep} ".join(encoded_words(str(self))) + linesep


def subject_header(subject: str) -> EncodedHeader:
    return EncodedHeader("Subject", " ".join(subject.split()))  # a header holds no line break
