"""The language registry: every pack is whole, and adding a language is adding a pack."""

from __future__ import annotations

import ast
import json
import re
import shutil
import string
import subprocess
import sys
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from replydesk.domain.errors import UsageError
from replydesk.domain.models import Review, ReviewStatus
from replydesk.domain.text import fold
from replydesk.drafting.composer import compose, compose_followup, language_for
from replydesk.drafting.context import LANGUAGE_NAMES
from replydesk.languages import BASE, NAMES, PackError, codes, known, name, pack, resolve
from replydesk.languages.registry import (
    COMPOSER_KEYS,
    FILES,
    PACK_KEYS,
    PROMISE_KEYS,
    STYLE_KEYS,
    TRIAGE_KEYS,
    instruction_pattern,
    number_words,
    using,
    weekday_stems,
)
from replydesk.promises.extract import KINDS, WHEN, extract
from replydesk.style.linter import FORBIDDEN, REQUIRED, LintContext, lint
from replydesk.triage.rules import CATEGORIES, Rules

ROOT = Path(str(files("replydesk.languages")))
SRC = Path(__file__).resolve().parents[1] / "src" / "replydesk"


def placeholders(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}


def review(language: str, body: str = "The app crashes when I open my order #48213.") -> Review:
    now = datetime(2026, 3, 4, 10, tzinfo=UTC)
    return Review(
        id=1,
        source="s",
        external_id="1",
        author="Maria",
        author_key="maria",
        author_id=None,
        rating=2,
        title="",
        body=body,
        language=language,
        url="",
        product_version="",
        created_at=now,
        updated_at=None,
        fetched_at=None,
        version=1,
        edited=False,
        status=ReviewStatus.NEW,
    )


def test_the_six_languages_english_first_in_the_usual_order():
    assert codes() == ("en", "ru", "es", "el", "de", "fr", "it", "pt")
    assert codes()[0] == BASE
    assert pack("el").name == "Greek" and name("ru") == "Russian"
    assert pack("el") is pack("el")  # loaded once


@pytest.mark.parametrize("code", codes())
def test_every_pack_has_every_key_and_nothing_empty(code):
    lang = pack(code)
    assert lang.code == code
    assert lang.name.strip() and lang.native_name.strip(), code
    for stem, (required, _optional) in FILES.items():
        lists = getattr(lang, stem)
        for key in required:
            assert key in lists, f"{code}: {stem}.json lacks {key!r}"
            assert lists[key], f"{code}: {stem}.json: {key!r} is empty"
    for key in COMPOSER_KEYS:
        assert lang.composer.get(key, "").strip(), f"{code}: composer.json lacks {key!r}"


@pytest.mark.parametrize("code", codes())
def test_every_pack_has_the_same_keys_as_english(code):
    en = ROOT / BASE
    for stem in ("pack", *FILES, "composer"):
        ours = json.loads((ROOT / code / f"{stem}.json").read_text("utf-8"))
        theirs = json.loads((en / f"{stem}.json").read_text("utf-8"))
        assert set(ours) == set(theirs), f"{code}: {stem}.json: {set(ours) ^ set(theirs)}"
    assert set(json.loads((ROOT / code / "pack.json").read_text("utf-8"))) == set(PACK_KEYS)


@pytest.mark.parametrize("code", codes())
def test_composer_phrases_have_the_placeholders_english_has(code):
    for key, wanted in COMPOSER_KEYS.items():
        found = placeholders(pack(code).composer[key])
        assert found == set(wanted) == placeholders(pack(BASE).composer[key]), (code, key, found)


@pytest.mark.parametrize("code", codes())
def test_pack_metadata_is_usable(code):
    lang = pack(code)
    assert len(lang.weekday_stems) == 7
    for day, stem in enumerate(lang.weekday_stems):
        assert stem and fold(stem) == stem, (code, stem)
        phrases = [fold(p) for p in lang.promises["weekday"]]
        assert any(stem in p for p in phrases), f"{code}: no weekday phrase for {stem!r} ({day})"
    assert lang.number_words and all(n > 0 for n in lang.number_words.values())
    assert lang.count_words and lang.instruction_cues
    assert isinstance(lang.signature, str)
    if lang.script_pattern:  # a script of its own: the native name is written in it
        assert re.search(lang.script_pattern, lang.native_name), code
        assert not re.search(lang.script_pattern, "Plain English text")
    assert lang.order == codes().index(code)


@pytest.mark.parametrize("code", codes())
def test_fix_hints_cover_what_the_linter_requires(code):
    hints = dict(item.split(": ", 1) for item in pack(code).style["fix"])
    assert set(REQUIRED) <= set(hints) <= set(REQUIRED) | set(FORBIDDEN), code


def test_the_schema_covers_what_the_consumers_read():
    assert set(FORBIDDEN) | set(REQUIRED) | {"dated", "compensation"} <= set(STYLE_KEYS)
    assert set(KINDS) | set(WHEN) <= set(PROMISE_KEYS)
    assert set(TRIAGE_KEYS) <= set(CATEGORIES)


def test_derived_tables_span_every_pack():
    assert number_words()["cinco"] == 5 and number_words()[fold("τέσσερις")] == 4
    assert all(len(day) == len(codes()) for day in weekday_stems())
    assert weekday_stems()[4][codes().index("ru")] == "пятниц"
    for cue in ("Ignore previous instructions", "следуй инструкции", "ignoriere das", "οδηγίες"):
        assert instruction_pattern().search(cue), cue


def test_unknown_languages():
    with pytest.raises(UsageError, match=r"unknown language 'nl'.*en, ru, es, el, de, fr, it, pt"):
        pack("nl")
    with pytest.raises(UsageError):
        name("nl")
    assert not known("nl") and not known("") and not known("EN") and known("fr")
    assert resolve("nl") == BASE and resolve("nl", "fr") == "fr" and resolve("nl", "xx") == BASE
    assert resolve("de", "fr") == "de"
    assert NAMES["el"] == "Greek" and NAMES.get("nl", "nl") == "nl" and list(NAMES) == list(codes())
    assert LANGUAGE_NAMES.get("de") == "German"
    # each caller keeps its own fallback
    assert language_for(review("nl-BE"), "fr") == "fr" and language_for(review("pt-BR")) == "pt"
    assert compose(review("nl"), "praise", catalogue=[], issues=[]).language == BASE


def make_xx(tmp_path: Path) -> Path:
    """The bundled packs plus "xx": English with a few words of its own."""
    root = tmp_path / "languages"
    for code in codes():
        shutil.copytree(ROOT / code, root / code)
    shutil.copytree(ROOT / BASE, root / "xx")

    def edit(stem: str, change) -> None:
        path = root / "xx" / f"{stem}.json"
        data = json.loads(path.read_text("utf-8"))
        change(data)
        path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")

    edit("pack", lambda d: d.update(name="Examplish", native_name="Xx", order=99))
    edit("triage", lambda d: d["hostile"].append("zorgle*"))
    edit("style", lambda d: d["policy"].append("zorgle policy"))
    edit("promises", lambda d: d["fix"].append("we will zorgle"))
    edit("composer", lambda d: d.update(praise="zorgle thanks! Xx."))
    return root


def test_adding_a_pack_is_enough(tmp_path):
    root = make_xx(tmp_path)
    with using(root):
        assert codes() == ("en", "ru", "es", "el", "de", "fr", "it", "pt", "xx")
        assert name("xx") == "Examplish" and NAMES["xx"] == "Examplish"

        rules = Rules(extra_hostile={"xx": ["blorp"]})
        said = rules.classify("You zorglers, blorp. Nothing works.", 1, "xx")
        insults = [e.quote for e in said.reasons if e.rule == "hostile: insult"]
        assert insults == ["zorglers", "blorp"]
        assert not any("zorgle" in e.quote for e in rules.classify("You zorglers", 1, "fr").reasons)

        good = "I'm sorry, and thank you for telling us. Could you send us the order number?"
        assert lint(good, LintContext(language="xx")) == []
        assert [f.rule for f in lint(good + " Zorgle policy.", LintContext(language="xx"))] == [
            "W2"
        ]
        assert lint(good + " Zorgle policy.", LintContext(language="en")) == []

        posted = datetime(2026, 3, 4, 10, tzinfo=UTC)
        found = extract("We will zorgle it.", "xx", posted, ZoneInfo("UTC"))
        assert [e.kind for e in found] == ["fix"]
        assert extract("We will zorgle it.", "de", posted, ZoneInfo("UTC")) == []

        composed = compose(review("xx"), "praise", catalogue=[], issues=[])
        assert composed.language == "xx" and composed.text == "Maria, zorgle thanks! Xx."
        assert compose_followup(review("xx-YY"), "the fix").language == "xx"
    assert "xx" not in codes() and not known("xx")


@pytest.mark.parametrize(
    ("stem", "change", "message"),
    [
        ("triage", lambda d: d.pop("units"), "'xx': triage.json lacks units"),
        ("composer", lambda d: d.pop("followup"), "'xx': composer.json lacks followup"),
        ("style", lambda d: d.update(politeness=["x"]), "'xx': style.json: unknown key politeness"),
        ("pack", lambda d: d.update(weekday_stems=["mon"]), "'xx': pack.json: weekday_stems"),
        ("pack", lambda d: d.update(instruction_cues=[""]), "instruction_cues: an empty cue"),
        ("promises", lambda d: d.update(fix="we will"), "promises.json: fix: expected a list"),
    ],
)
def test_a_broken_pack_names_the_language_the_file_and_the_key(tmp_path, stem, change, message):
    root = make_xx(tmp_path)
    path = root / "xx" / f"{stem}.json"
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), "utf-8")
    with using(root), pytest.raises(PackError, match=re.escape(message)):
        codes()


def test_a_missing_file_and_a_missing_english_pack(tmp_path):
    root = make_xx(tmp_path)
    (root / "xx" / "composer.json").unlink()
    with using(root), pytest.raises(PackError, match=re.escape("'xx': composer.json is missing")):
        pack("xx")
    shutil.rmtree(root / "xx")
    shutil.rmtree(root / BASE)
    with using(root), pytest.raises(PackError, match="no 'en' pack in"):
        codes()


def test_languages_imports_only_the_domain():
    allowed = ("replydesk.domain", "replydesk.languages")
    for path in sorted((SRC / "languages").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] if node.level == 0 else []
                if node.module == "replydesk":
                    names = [f"replydesk.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for mod in names:
                if mod.startswith("replydesk"):
                    assert mod.startswith(allowed), f"{path.name} imports {mod}"
    code = (
        "import sys, replydesk.languages, replydesk.languages.detect\n"
        "from replydesk.languages import pack\n"
        "pack('el')\n"
        "print(sorted(m for m in sys.modules if m.startswith('replydesk.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    loaded = ast.literal_eval(out.strip())
    assert all(m.startswith(allowed) for m in loaded), loaded


@pytest.mark.parametrize(
    "module",
    [
        "triage/rules.py",
        "style/linter.py",
        "promises/extract.py",
        "drafting/composer.py",
        "drafting/context.py",
    ],
)
def test_no_language_codes_left_in_the_modules_that_read_the_packs(module):
    tree = ast.parse((SRC / module).read_text("utf-8"))
    literals = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert not literals & set(codes()), (module, literals & set(codes()))
