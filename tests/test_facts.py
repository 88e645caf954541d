"""What the reviewer already gave (order number, version, device, what they tried) is
read from the review, and no draft asks for it again: the offline composer picks another
question, and the model is told the facts inside the sealed review block."""

from __future__ import annotations

import pytest

from conftest import make_review
from replydesk.config import Config
from replydesk.domain.models import AuthorHistory, Review, ReviewDetail
from replydesk.drafting import context
from replydesk.drafting.composer import compose
from replydesk.drafting.facts import facts_of


def review(body: str, lang: str = "en", version: str = "", title: str = "") -> Review:
    return make_review(body, lang, product_version=version, title=title)


@pytest.mark.parametrize(
    ("body", "lang", "order", "version", "device"),
    [
        ("Order 88310-B. The courier left it at the wrong door.", "en", "88310-B", "", ""),
        ("My parcel PX-448120 is stuck since Monday.", "en", "PX-448120", "", ""),
        ("Crashes on my iPhone 12 (iOS 17.1) since 5.2.0.", "en", "", "5.2.0", "iPhone 12"),
        ("Снова пропущен интервал, заказ 57002, 18:00–22:00.", "ru", "57002", "", ""),
        ("Seit Version 5.2 stürzt die App ab, Bestellung 4471203.", "de", "4471203", "5.2", ""),
        ("Pedido 66201-ES marcado como entregado.", "es", "66201-ES", "", ""),
        ("La commande n° 55120 est arrivée cassée, Pixel 7.", "fr", "55120", "", "Pixel 7"),
        ("Η παραγγελία 90311 δεν ήρθε ποτέ.", "el", "90311", "", ""),
        ("I paid €6.90 at 14:02 on 12.11.2026, call 0800 123 456.", "en", "", "", ""),
    ],
)
def test_facts_read_from_the_review(body, lang, order, version, device):
    f = facts_of(review(body, lang))
    assert (f.order, f.version, f.device) == (order, version, device)


def test_what_they_tried_is_read_in_their_language():
    assert facts_of(review("I reinstalled the app twice.")).tried == ("reinstalled",)
    assert facts_of(review("Переустановила приложение, не помогло.", "ru")).tried


@pytest.mark.parametrize(
    ("body", "lang", "asks_order", "asks_version"),
    [
        ("The app crashes when I open the map. Order 88310-B.", "en", False, True),
        ("The app crashes on my Pixel 7 when I open the map.", "en", True, False),
        ("Order 88310-B: the app crashes on my Pixel 7 in 5.2.0.", "en", False, False),
        ("The app crashes when I open the map.", "en", True, True),
        ("Приложение вылетает, заказ 57002.", "ru", False, True),
        ("Die App stürzt auf meinem iPhone 13 ab, Version 5.2.", "de", True, False),
        # about a parcel, not the app: never asked for an app version
        ("Снова пропущен интервал доставки, заказ 57002.", "ru", False, False),
        ("Refund still missing after 3 weeks.", "en", True, False),
        ("Das Paket liegt seit 6 Tagen im Verteilzentrum.", "de", True, False),
    ],
)
def test_the_composer_never_asks_for_what_was_given(body, lang, asks_order, asks_version):
    draft = compose(review(body, lang), "criticism", catalogue=[], issues=[])
    assert draft is not None
    text = draft.text.lower()
    order_words = {"en": "order number", "ru": "номер заказа", "de": "bestell"}[lang]
    version_words = {"en": "version", "ru": "версия", "de": "app-version"}[lang]
    assert (order_words in text) == asks_order, draft.text
    assert (version_words in text) == asks_version, draft.text
    assert text.rstrip().endswith("?")  # still a question (W6)


def test_the_model_gets_the_facts_inside_the_sealed_block_and_the_rule_outside():
    r = review("Order 88310-B: the app crashes on my Pixel 7.", version="5.2.0")
    detail = ReviewDetail(r, None, [], [], [], [], AuthorHistory(), None)
    user = context.build(detail, "criticism", Config(), None, "app").messages[1]["content"]
    rules, block = user.split("<review>", 1)
    assert "never ask the reviewer for them again" in rules
    assert "88310-B" not in rules  # the review's words stay data
    assert "order or parcel number (the reviewer gave it)" in block and "88310-B" in block
    assert "device (the reviewer gave it)" in block and "Pixel 7" in block
