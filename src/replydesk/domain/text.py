"""Untrusted text made safe to show: review text never steers the terminal.

Rich/Textual markup is not a concern here (callers render with ``rich.text.Text``, which
never parses markup); what this module removes is what a terminal would act on: escape
sequences and other control characters. They are shown as visible symbols instead, so a
reader sees that the text carried them.

Every output a person reads goes through one of these: ``inert`` for the terminal and
for messages (every ``ReplydeskError`` is inert), ``csv_cell`` for a CSV export (also
defused as a spreadsheet formula), ``json_inert`` for a JSON line (escaped, so it still
decodes to the very same text).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# C0 controls except tab and newline, DEL, C1 controls, and bidi overrides/isolates
# (which can reorder what a reader sees).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture", e.g. ␛ for ESC
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def visible_controls(text: str) -> str:
    """Replace control characters with visible stand-ins; keep newlines and tabs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(_visible, text)


def inert(text: str) -> str:
    """Text a terminal will not act on: every control but newline and tab shown as a
    visible symbol (ESC of an escape sequence as ␛, a lone CR as ␍, C1 and bidi controls
    as ``<U+XXXX>``); CRLF becomes LF. Normal text is returned unchanged, and so is text
    already made inert."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(_visible, text.replace("\r\n", "\n"))


# OWASP CSV injection: a cell starting with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_LINE = re.compile(r"(?:^|\n)[=+\-@\t\r]")


def csv_cell(value: object) -> str:
    """One CSV cell: controls made visible (``inert``), and a text that a spreadsheet
    would run as a formula prefixed with ``'``. Numbers stay numbers; ``None`` is empty."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    text = str(value)
    cell = inert(text)
    if text.startswith(_FORMULA_START) or cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def csv_row(values: Sequence[object]) -> list[str]:
    """``csv_cell`` of each value, at a fraction of the cost for the usual row that holds
    no control character at all (one search over the whole row)."""
    texts = ["" if v is None else str(v) for v in values]
    joined = "\n".join(texts)
    if _CONTROL.search(joined):
        return [csv_cell(v) for v in values]
    if not _FORMULA_LINE.search(joined):  # no cell (nor line) starts like a formula
        return texts
    return [
        "'" + t if t.startswith(_FORMULA_START) and not isinstance(v, bool | int | float) else t
        for v, t in zip(values, texts, strict=True)
    ]


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def json_inert(json_text: str) -> str:
    """JSON text (e.g. ``json.dumps(..., ensure_ascii=False)``) with DEL, C1 and bidi
    controls written as ``\\uXXXX`` escapes: it decodes to exactly the same value, and
    no raw control byte is left in the file. (``json.dumps`` escapes C0 itself.) Only for
    JSON text: these characters can appear nowhere in it but inside strings."""
    return _CONTROL.sub(_json_escape, json_text)


def one_line(text: str, width: int = 80) -> str:
    """A single display line: controls made visible, whitespace folded, cut with an ellipsis."""
    flat = " ".join(visible_controls(text).split())
    if len(flat) <= width:
        return flat
    return flat[: max(0, width - 1)].rstrip() + "…"


def has_controls(text: str) -> bool:
    return bool(_CONTROL.search(text))


def normalise(text: str) -> str:
    """NFC, no BOM, newlines as LF: equal texts compare equal whatever the source."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii():  # already NFC, and no BOM: the usual field, in a tenth of the time
        return text
    return unicodedata.normalize("NFC", text.lstrip("\ufeff"))


_MARK = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]"
# written "X X*", not "X+": a pattern that opens with a repeat gets no fast scan for its
# first character, and fold() runs on every review triaged
_MARKS = re.compile(_MARK + _MARK + "*")


def fold(text: str) -> str:
    """Lower-case without accents, for search: "Εφαρμογή" and "εφαρμογη" match."""
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFD", text.casefold()))


def fold_aligned(text: str) -> str:
    """``fold`` keeping every character where it was, so spans found in the folded text
    are spans of the text: a character that folds to several ("ß" to "ss") keeps the
    first."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded
    return "".join(fold(ch)[:1] or " " for ch in text)


def search_words(query: str) -> list[str]:
    """The words of a search as the store matches them: folded, each a word prefix."""
    return re.findall(r"\w+", fold(query), flags=re.UNICODE)


def search_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Where the words of ``query`` match in ``text`` (as the inbox search does: the
    start of a word, case and accents folded), as sorted, non-overlapping spans."""
    words = search_words(query)
    if not words or not text:
        return []
    # fold character by character, remembering where each folded one came from, so a
    # match in the folded text ("strasse") maps back onto the text ("Straße")
    pieces: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        f = fold(ch)
        pieces.append(f)
        origin.extend([i] * len(f))
    folded = "".join(pieces)
    origin.append(len(text))
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"
    )
    spans: list[tuple[int, int]] = []
    for m in pattern.finditer(folded):
        start, end = origin[m.start()], origin[m.end() - 1] + 1
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans


def url_scheme(text: str) -> str:
    """The scheme of a URL (``postgresql`` of ``postgresql://u:p@h/db``), else "": where a
    path is expected, a URL is refused by name, never taken as a file name."""
    scheme, sep, _rest = text.strip().partition("://")
    return scheme if sep and scheme and scheme.replace("+", "").replace("-", "").isalnum() else ""
