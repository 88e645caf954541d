"""The languages replydesk speaks: one pack per language (``<code>/*.json``), the registry
that finds them, the phrase matcher built over their lists, and language detection
(``replydesk.languages.detect``). Imports nothing of replydesk's but the domain."""

from replydesk.languages.lexicon import Lexicon
from replydesk.languages.registry import (
    BASE,
    NAMES,
    LanguagePack,
    PackError,
    codes,
    known,
    name,
    pack,
    resolve,
)

__all__ = [
    "BASE",
    "NAMES",
    "LanguagePack",
    "Lexicon",
    "PackError",
    "codes",
    "known",
    "name",
    "pack",
    "resolve",
]
