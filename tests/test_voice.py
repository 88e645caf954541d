"""A reply in the reviewer's language from its first word to its sign-off: the pack's
voice (sign-off, formal address) and the team's (`[style.voice.<code>]`: bonus wording,
glossary), for the offline composer and the model's prompt; languages detected at import."""

from __future__ import annotations

import pytest

from conftest import make_review, workspace_with, write_jsonl
from fakes.openai_server import OpenAIServer
from replydesk import cli
from replydesk.domain.models import DraftKind
from replydesk.drafting.voice import voice_for
from replydesk.services.drafting import draft
from replydesk.services.importing import import_file
from replydesk.services.triaging import triage_pending

ENGLISH_BONUS = ("free express delivery on the next order", "one month of Parcelly Plus")
SIGNED = {
    "ru": "— команда Parcelly",
    "de": "— Ihr Parcelly-Team",
    "fr": "— L'équipe Parcelly",
    "es": "— El equipo de Parcelly",
    "el": "— Η ομάδα του Parcelly",
    "en": "— the Parcelly team",
}


def test_every_demo_draft_is_signed_and_offers_in_its_own_language(demo_ws):
    seen = set()
    for review in demo_ws.store.reviews.list():
        drafts = [
            d for d in demo_ws.store.drafts.for_review(review.id) if d.kind == DraftKind.REPLY
        ]
        if not drafts or drafts[-1].author != "offline" or drafts[-1].language not in SIGNED:
            continue
        d = drafts[-1]
        seen.add(d.language)
        assert d.text.endswith("\n" + SIGNED[d.language]), d.text
        if d.language != "en":
            assert not any(b in d.text for b in ENGLISH_BONUS), d.text
            assert "the Parcelly team" not in d.text
    assert {"ru", "de", "fr", "es", "el", "en"} <= seen


def test_a_bonus_is_offered_in_the_reviewers_words_or_not_at_all(tmp_path):
    ws = workspace_with(
        tmp_path,
        """
[style]
product = "Acme"
bonus_catalogue = ["one month of Premium"]
[style.voice.de]
bonus_catalogue = ["einen Monat Premium"]
signature = "— Anna vom Acme-Support"
""",
    )
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [  # no language given: detected at import
            {
                "id": "de1",
                "text": "Die App stürzt beim Öffnen der Karte ab, Version 5.2",
                "rating": 1,
            },
            {
                "id": "ru1",
                "text": "Приложение вылетает при открытии карты, версия 5.2",
                "rating": 1,
            },
        ],
    )
    import_file(ws, path, source="file")
    triage_pending(ws)
    draft(ws)
    texts = {r.external_id: ws.store.drafts.latest(r.id).text for r in ws.store.reviews.list()}
    assert "einen Monat Premium" in texts["de1"] and texts["de1"].endswith(
        "— Anna vom Acme-Support"
    )
    assert "Premium" not in texts["ru1"]  # no wording in Russian: no bonus, not an English one
    assert texts["ru1"].endswith("— команда Acme") and "Вы" in texts["ru1"]
    assert ws.store.drafts.latest(ws.store.reviews.by_external("file", "ru1").id).lint == []


def test_the_model_is_told_the_voice_of_the_reviewers_language(server, tmp_path):
    api = OpenAIServer(server, lambda m: "Простите нас. Спасибо. Не могли бы Вы написать нам?")
    ws = workspace_with(
        tmp_path,
        f"""
[llm]
base_url = "{api.base_url}"
model = "fake-model"
max_retries = 0
[style]
product = "Acme"
signature = "— the Acme team"
bonus_catalogue = ["one month of Premium"]
[style.voice.ru]
bonus_catalogue = ["месяц Premium"]
glossary = {{"Premium" = "Premium"}}
""",
    )
    path = write_jsonl(
        tmp_path / "in.jsonl", [{"id": "r1", "text": "Приложение вылетает при открытии карты"}]
    )
    import_file(ws, path, source="file")
    triage_pending(ws)
    draft(ws)
    facts = api.seen[0][1]["content"].split("<review>")[0]
    assert "Reply language: Russian (ru)" in facts
    assert "«Вы»" in facts  # formal address, from the Russian pack
    assert "quote the reviewer only as «…»" in facts
    assert "месяц Premium" in facts and "one month of Premium" not in facts
    assert "Sign off with: — команда Acme" in facts and "the Acme team" not in facts
    assert "Premium = Premium" in facts


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[style]\nbonus_catalogue = ["a", "b"]\n[style.voice.ru]\nbonus_catalogue = ["x"]\n',
            "[style.voice.ru] bonus_catalogue has 1 item(s) and [style] bonus_catalogue 2",
        ),
        ('[style.voice.xx]\nsignature = "x"\n', "[style.voice.xx]: no language pack 'xx'"),
    ],
)
def test_a_voice_mistake_is_one_line(tmp_path, capsys, toml, message):
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml, encoding="utf-8")
    assert cli.main(["--config", str(cfg), "config", "check"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]


def test_config_check_says_which_languages_offer_no_bonus(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[style]\nlanguages = ["en", "ru", "de"]\nbonus_catalogue = ["one month of Premium"]\n'
        '[style.voice.de]\nbonus_catalogue = ["einen Monat Premium"]\n',
        encoding="utf-8",
    )
    assert cli.main(["--config", str(cfg), "config", "check"]) == 0
    out = capsys.readouterr().out
    assert "note: replies in ru offer no bonus" in out and "[style.voice.ru]" in out


@pytest.mark.parametrize("lang", ["en", "de", "fr", "es", "ru", "el", "it", "pt"])
def test_the_composer_quotes_in_the_languages_own_marks(lang):
    """The pack's quotation marks are the ones its sentences use around the reviewer's
    words; the model is told the same marks."""
    from replydesk.languages import pack

    p = pack(lang)
    opening, closing = p.quotes
    assert f"{opening}{{quote}}{closing}" in p.composer["issue"]


def test_english_bonus_wording_in_another_language_is_outside_the_catalogue(tmp_path):
    """The catalogue is the reply language's wording: "one month of Premium" in a German
    reply is not the German catalogue, and a language with no wording offers nothing."""
    from replydesk.services.platforms import lint_text

    ws = workspace_with(
        tmp_path,
        '[style]\nbonus_catalogue = ["one month of Premium"]\n'
        '[style.voice.de]\nbonus_catalogue = ["einen Monat Premium"]\n',
    )
    good = "Es tut uns leid. Vielen Dank! Als Dankeschön schenken wir Ihnen einen Monat Premium."
    bad = "Es tut uns leid. Vielen Dank! Als Dankeschön schenken wir Ihnen one month of Premium."
    assert "W7-catalogue" not in {f.rule for f in lint_text(ws.config, good, language="de")}
    assert "W7-catalogue" in {f.rule for f in lint_text(ws.config, bad, language="de")}
    en = "Sorry! Thank you. As a thank-you, we give you one month of Premium."
    assert "W7-catalogue" not in {f.rule for f in lint_text(ws.config, en, language="en")}


def test_a_greek_name_is_greeted_in_the_vocative_and_a_line_of_particulars_is_not_quoted():
    from replydesk.drafting.composer import compose

    def review(author: str, body: str, lang: str):
        return make_review(body, lang, author=author)

    greek = compose(review("Γιώργος Π.", "Η εφαρμογή κλείνει.", "el"), "criticism",
                    catalogue=[], issues=[])  # fmt: skip
    assert greek is not None and greek.text.startswith("Γιώργο, ")
    body = "Телефон Samsung Galaxy A52, версия 5.2.1. Карта не открывается вообще."
    ru = compose(review("Олег", body, "ru"), "criticism", catalogue=[], issues=[])
    assert ru is not None and "Galaxy A52, версия" not in ru.text
    assert "Карта не открывается вообще" in ru.text


def test_a_reply_must_end_with_the_chosen_sign_off_of_its_language(tmp_path):
    """Once the team chose a sign-off (or a product for the packs' ones), a reply signed
    in another language, or not at all, is a finding the model revises and a person sees."""
    from replydesk.services.platforms import lint_context
    from replydesk.style.linter import lint

    review = make_review("Die App stürzt ab", "de", author="")
    body = "Es tut uns leid. Vielen Dank! Könnten Sie uns schreiben?"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    chosen = workspace_with(tmp_path / "a", '[style]\nproduct = "Acme"\n')
    ctx = lint_context(chosen, review, "de", "criticism")

    def rules(text: str) -> set[str]:
        return {f.rule for f in lint(text, ctx)}

    assert "signature" not in rules(body + "\n— Ihr Acme-Team")
    assert "signature" in rules(body + "\n— the Acme team")
    assert "signature" in rules(body)
    unset = workspace_with(tmp_path / "b", "")  # nobody chose one: not enforced
    assert "signature" not in {
        f.rule for f in lint(body, lint_context(unset, review, "de", "criticism"))
    }


def test_a_bonus_offered_in_any_language_is_a_tracked_promise(demo_ws):
    """The demo offers its bonus in each reviewer's language; approving each reply must
    put that bonus on the ledger (only the English wording was read before)."""
    from replydesk.services import editing

    tracked = {}
    for review in demo_ws.store.reviews.list():
        d = editing.current_draft(demo_ws, review.id)
        if d is None or d.state != "draft" or d.author != "offline":
            continue
        offers = [b for b in voice_for(demo_ws.config, d.language).catalogue if b in d.text]
        if not offers or d.language in tracked:
            continue
        done = editing.approve(demo_ws, review.id, d.text, d)
        tracked[d.language] = [p.kind for p in done.promises]
    assert {"de", "ru", "en"} <= set(tracked), tracked
    assert all("bonus" in kinds for kinds in tracked.values()), tracked
