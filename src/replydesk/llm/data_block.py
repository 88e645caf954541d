"""A sealed data block: text from outside goes to the model as data it cannot close.

``seal("review", {"author": ..., "body": ...}, limit)`` gives::

    <review>
    author: Jane
    body:
      first line of the review
      second line
    </review>

Every value is *neutralised* first, and that is what makes the block sealed. The
argument, one step at a time:

1. A delimiter, for any reader however lenient about case, spaces, tabs or newlines
   inside the tag (``</REVIEW>``, ``< / review >``, ``<review\\n>``), needs an angle
   bracket to start and to end it. So the neutralised data contains **no angle bracket at
   all**: ``<`` and ``>`` and every character that is or decomposes to one (``＜`` ``﹤``
   ``〈`` ``〈`` ``⟨`` ``❬`` ``❮`` ``❰`` ``⧼`` ``⦑`` ``˂`` ``ᐸ`` ``≮``, and their closing twins)
   become ``‹`` and ``›``. The mapping is one way: nothing in it can produce ``<`` or
   ``>``, and ``‹ ›`` are quotation marks that no reader (HTML, XML, Markdown, NFKC or
   NFKD folding) treats as a bracket. This covers every tag name at once, not only
   ``review``: ``reply``, ``history``, ``instructions``, ``system``, anything.
2. Encodings of a bracket are decoded and neutralised the same way: HTML entities, named
   or numeric, decimal or hex, any case, with or without ``;`` and under any number of
   ``&amp;`` layers (``&lt;``, ``&LT``, ``&#60;``, ``&#x3c;``, ``&#0060;``, ``&lang;``,
   ``&amp;lt;``, ``&#38;#60;``); percent escapes (``%3C``, ``%253C``); and backslash
   escapes (``\\u003c``, ``\\x3c``, ``\\U0000003C``, ``\\u{3c}``, CSS ``\\3c``, octal
   ``\\074``). Entities that mean something else (``&eacute;``, ``&amp;``) are left alone.
   (A chain of *different* encodings, such as a percent-escaped entity, is not decoded;
   that would take a reader applying two unrelated decoders in a row to find a bracket.)
3. Characters whose compatibility form is one ASCII character (full-width ``ｒｅｖｉｅｗ``
   and ``＆ｌｔ；``, small forms, mathematical letters ``𝐥𝐭``, circled letters...) are
   folded to that character *before* step 2, so an entity spelt in look-alikes is seen and
   defused too. Latin-1 (``²``, ``º``) is kept as written.
4. Invisible Unicode "tag" characters (U+E0000-E007F, which spell ASCII no person sees)
   are removed; control characters and bidi overrides are shown as visible symbols
   (``domain.text.visible_controls``).
5. The block's frame is ours: the tag and the field names are checked to be plain words,
   and each value is indented under its name, so data cannot forge a field either.

Hence inside the block there is no character, nor any of those decodings of one, that reads
as ``<`` or ``>``; the only delimiters a reader can find are the two this module writes.
``tests/test_sealed_prompts.py`` checks this against every code point and every encoding
above.

Texts are cut so that all values together fit in ``limit`` characters (short fields are
kept whole, long ones share the rest); each cut is marked inside the block with how much
was left out.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from functools import cache

from replydesk.domain.text import visible_controls

OPEN, CLOSE = "\u2039", "\u203a"  # ‹ ›

# Everything that is, or decomposes to, a single angle bracket. Double angle quotation
# marks (« » 《 》 ⟪ ⟫) are ordinary punctuation in French, Russian, Chinese... and are
# not tag brackets to any reader, so they are kept.
_OPENERS = "<\uff1c\ufe64\u2329\u3008\u27e8\u276c\u276e\u2770\u29fc\u2991\u02c2\u1438\u226e"
_CLOSERS = ">\uff1e\ufe65\u232a\u3009\u27e9\u276d\u276f\u2771\u29fd\u2992\u02c3\u1433\u226f"
_BRACKETS = str.maketrans({**dict.fromkeys(_OPENERS, OPEN), **dict.fromkeys(_CLOSERS, CLOSE)})
_ANY_BRACKET = re.compile(f"[{re.escape(_OPENERS + _CLOSERS)}]")

# Unicode tag characters: invisible, yet they spell ASCII (a known smuggling channel).
_TAG_CHARS = re.compile("[\U000e0000-\U000e007f]+")

# An entity, after any number of ampersand layers (&amp; &#38; &#x26;, any case). Digits
# and names are capped (no code point needs more; the longest entity name has 31 letters).
_ENTITY = re.compile(
    r"&(?:(?:amp|#0*38|#x0*26);?)*(#x0*[0-9a-f]{1,8};?|#0*[0-9]{1,10};?|[a-z][a-z0-9]{0,31};?)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"#(x?)0*([0-9a-f]*)(;?)", re.IGNORECASE)
# Percent escapes (also double-encoded: %253C) and backslash escapes of < and >.
_ESCAPE = re.compile(
    r"%(?:25)*+3([ce])"
    r"|(?<!\\)\\++(?:u\{0*3([ce])\}|u003([ce])|x3([ce])|U0000003([ce])"
    r"|0*3([ce])(?![0-9a-f])|0*7([46])(?![0-7]))",
    re.IGNORECASE,
)

_NAME = re.compile(r"[a-z][a-z0-9_-]*")
_FIELD = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ,()/'_-]*")
INDENT = "  "


@cache
def _fold_table() -> dict[int, str]:
    """Compatibility characters outside ASCII and Latin-1 whose NFKC form is one ASCII
    character (full-width, small forms, mathematical and circled letters...)."""
    table = {}
    for code in range(0x100, 0x20000):
        folded = unicodedata.normalize("NFKC", chr(code))
        if len(folded) == 1 and folded.isascii() and folded.isprintable():
            table[code] = folded
    return table


def _chars(text: str) -> str:
    """Steps 1, 3 and 4 on plain characters (no decoding)."""
    text = _TAG_CHARS.sub("", visible_controls(text))
    return text.translate(_fold_table()).translate(_BRACKETS)


def _entity(match: re.Match[str]) -> str:
    token = match[1]
    number = _NUMBER.fullmatch(token)
    if number:  # "#0000060;" -> "#60;": html.unescape refuses very long digit strings
        x, digits, semicolon = number.groups()
        token = f"#{x}{digits or '0'}{semicolon}"
    for candidate in dict.fromkeys((token, token.rstrip(";") + ";")):  # "&lang" too
        decoded = _chars(html.unescape("&" + candidate))
        if OPEN in decoded or CLOSE in decoded:
            return decoded  # the whole match, its &amp; layers too, as what it means
    return match.group(0)


def _escape(match: re.Match[str]) -> str:
    which = next(g for g in match.groups() if g).lower()
    return OPEN if which in ("c", "4") else CLOSE


def neutralise(text: str) -> str:
    """``text`` as data: no angle bracket, nor any encoding of one, is left in it (see the
    module's docstring for why that is complete)."""
    text = _chars(text)
    text = _ENTITY.sub(_entity, text)
    text = _ESCAPE.sub(_escape, text)
    assert not _ANY_BRACKET.search(text)
    return text


def _shares(lengths: list[int], limit: int) -> list[int]:
    """How much of each text fits: short ones whole, the rest shared equally."""
    shares = [0] * len(lengths)
    remaining, left = max(0, limit), len(lengths)
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        shares[i] = min(lengths[i], remaining // left)
        remaining -= shares[i]
        left -= 1
    return shares


def cut_marker(hidden: int) -> str:
    return f"[… {hidden:,} more characters not shown]"


def _value(text: str) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return f" {text}" if text else ""
    return "".join(f"\n{INDENT}{line}" if line else "\n" for line in lines)


def seal(tag: str, fields: Mapping[str, str], limit: int) -> str:
    """``fields`` (name: text from outside) as one delimited block ``<tag>`` … ``</tag>``.

    Field names and the tag are ours (checked to be plain words); every value is
    neutralised, then all values together are cut to ``limit`` characters, each cut
    marked inside the block.
    """
    if not _NAME.fullmatch(tag):
        raise ValueError(f"a block tag must be a plain lower-case word, not {tag!r}")
    for name in fields:
        if not _FIELD.fullmatch(name):
            raise ValueError(f"a field name must be plain words, not {name!r}")
    # what can never be shown is dropped before the (linear, but not free) neutralising
    ahead = 2 * max(0, limit)
    dropped = [max(0, len(text) - ahead) for text in fields.values()]
    values = [neutralise(text[:ahead]) for text in fields.values()]
    shares = _shares([len(v) for v in values], limit)
    lines = [f"<{tag}>"]
    for name, value, share, more in zip(fields, values, shares, dropped, strict=True):
        if share < len(value) or more:
            value = value[:share].rstrip() + f" {cut_marker(len(value) - share + more)}"
        lines.append(f"{name}:{_value(value)}")
    lines.append(f"</{tag}>")
    return "\n".join(lines)
