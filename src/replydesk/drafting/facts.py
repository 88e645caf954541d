"""What the reviewer already told us: an order or parcel number, the app version, the
device, what they already tried.

A reply that asks for the order number the customer wrote in their second sentence tells
them nobody read it. The composer picks its question from what is missing, and the model
gets these facts, read from the review, inside the review's sealed block with the
instruction never to ask for them again. Cue words per language are the packs'
(``order_words``, ``tried_words``); devices and versions are written alike everywhere.
Every pattern is a single pass over the text (linear on any input).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from replydesk.domain.models import Review
from replydesk.domain.text import fold_aligned
from replydesk.languages import Lexicon, codes, pack

CHARS = 4_000  # the facts are near the top of a review; a huge body is not read further
# a number as people write one: "88310-B", "PX-448120", "#57002", "1Z999AA10123456784"
NUMBER = re.compile(
    r"(?<![\w.#-])#?(?=[A-Z0-9-]*\d{4})[A-Z0-9]{1,20}(?:-[A-Z0-9]{1,12}){0,3}(?!\w|[.-]\w)"
)
CODE = re.compile(r"^#|^[A-Z]{1,4}-?\d|\d-[A-Z]")  # looks like a code even without a cue
# after a cue word any dotted number; bare, three short parts ("5.2.0", not 12.11.2026)
VERSION = re.compile(
    r"(?i:\b(?:v|ver|version|versión|versione|versão|версия|версии|версию|έκδοση|έκδοσης)"
    r"\.?\s*)(\d{1,3}(?:\.\d{1,4}){1,3})\b|\b(\d{1,2}\.\d{1,2}\.\d{1,3})\b(?!\.\d)"
)
DEVICE = re.compile(
    r"\b(?:iPhone\s?(?:\d{1,2}|SE|X[RS]?)(?:\s?(?:Pro\s?Max|Pro|Max|Plus|mini))?|"
    r"iPad(?:\s?(?:Pro|Air|mini))?|Pixel\s?\d{1,2}a?(?:\s?Pro)?|"
    r"(?:Samsung\s)?Galaxy\s?[A-Z]\d{1,3}\+?(?:\s?(?:Ultra|FE))?|"
    r"(?:Xiaomi|Redmi|Huawei|OnePlus|Oppo|Motorola|Moto|Nokia)\s?[A-Z0-9][\w-]{0,10}|"
    r"Android\s?\d{1,2}|iOS\s?\d{1,2}(?:\.\d)?)"
)


@dataclass(frozen=True)
class Facts:
    order: str = ""
    version: str = ""
    device: str = ""
    tried: tuple[str, ...] = ()
    about_app: bool = False  # the app, not a parcel: asking its version makes sense

    def given(self) -> dict[str, str]:
        """The facts found, as fields for the review's sealed block."""
        out = {}
        if self.order:
            out["order or parcel number (the reviewer gave it)"] = self.order
        if self.version:
            out["app version (the reviewer gave it)"] = self.version
        if self.device:
            out["device (the reviewer gave it)"] = self.device
        if self.tried:
            out["already tried (the reviewer says)"] = "; ".join(self.tried)
        return out


@lru_cache(maxsize=2)
def _cues() -> tuple[Lexicon, Lexicon, Lexicon]:
    order, tried, app = Lexicon("order-cues"), Lexicon("tried-cues"), Lexicon("app-cues")
    for code in codes():
        p = pack(code)
        for word in p.order_words:
            order.add(word, "order")
        for phrase in p.tried_words:
            tried.add(phrase, "tried")
        for word in p.app_words:
            app.add(word, "app")
    return order.freeze(), tried.freeze(), app.freeze()


def facts_of(review: Review) -> Facts:
    text = f"{review.title}\n{review.body}"[:CHARS]
    folded = fold_aligned(text)
    order_cues, tried_cues, app_cues = _cues()
    cue_ends = [end for _s, end in order_cues.scan(folded)[0].get("order", [])]
    order = ""
    for m in NUMBER.finditer(text):
        near_cue = any(0 <= m.start() - end <= 12 for end in cue_ends)
        if near_cue or CODE.search(m.group()):
            order = m.group()
            break
    version = review.product_version or ""
    if not version:
        found = VERSION.search(text)
        version = (found.group(1) or found.group(2)) if found else ""
    device = DEVICE.search(text)
    tried = [text[s:e] for s, e in tried_cues.scan(folded)[0].get("tried", [])]
    about_app = bool(version or device or app_cues.scan(folded)[0].get("app"))
    return Facts(
        order,
        version,
        device.group() if device else "",
        tuple(dict.fromkeys(tried)),
        about_app,
    )
