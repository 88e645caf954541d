"""How a reply sounds in the reviewer's language: its sign-off, how it addresses the
reviewer, the bonus catalogue in that language's words, and the product glossary.

A team sets what it wants per language in ``[style.voice.<code>]``; what it does not set
comes from the language pack (``pack.json``: ``signature`` with ``{product}``,
``signature_plain``, ``address``). ``[style] signature`` and ``bonus_catalogue`` are
written in the default language and used as they are only for replies in it: a Russian
reply never ends with an English sign-off nor offers an English bonus. A language with no
catalogue wording offers no bonus (``config check`` says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from replydesk.config import Config, VoiceConfig
from replydesk.languages import pack, resolve


@dataclass(frozen=True)
class Voice:
    language: str
    signature: str
    address: str
    catalogue: tuple[str, ...]  # in this language, word for word
    glossary: dict[str, str] = field(default_factory=dict)
    quotes: tuple[str, str] = ("“", "”")
    chosen: bool = False  # the team chose the sign-off (or the product): replies must end so


def voice_for(config: Config, language: str) -> Voice:
    style = config.style
    lang = resolve(language, style.default_language)
    own = style.voice.get(lang, VoiceConfig())
    default = lang == resolve(style.default_language)
    p = pack(lang)
    chosen = True
    if own.signature:
        signature = own.signature
    elif default and style.signature:
        signature = style.signature
    elif style.product and "{product}" in p.signature:
        signature = p.signature.replace("{product}", style.product)
    else:
        signature, chosen = p.signature_plain, False
    catalogue = own.bonus_catalogue or (style.bonus_catalogue if default else [])
    address = own.address or p.address
    return Voice(lang, signature, address, tuple(catalogue), dict(own.glossary), p.quotes, chosen)


def missing_wording(config: Config) -> list[str]:
    """The answered languages whose replies can offer no bonus: no catalogue wording."""
    style = config.style
    if not style.bonus_catalogue:
        return []
    return [
        lang
        for lang in style.languages
        if not voice_for(config, lang).catalogue and resolve(lang) == lang
    ]
