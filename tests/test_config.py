"""Config: the starter file is valid; every mistake is named precisely, never a traceback."""

from __future__ import annotations

import getpass
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest
from pydantic import ValidationError

from replydesk import cli
from replydesk.config import (
    KIND_MODELS,
    Config,
    LLMConfig,
    Release,
    WorkspaceConfig,
    check_text,
    load,
    parse,
    paths,
)
from replydesk.config import check as check_file
from replydesk.config.sources import COMMON_OPTIONS, option_names
from replydesk.domain.errors import ConfigError
from replydesk.sources import registry


def check(text: str, tmp_path: Path) -> ConfigError:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(path)
    return info.value


def test_init_writes_a_starter_config_that_checks_clean(tmp_path, capsys):
    target = tmp_path / "c.toml"
    assert cli.main(["--config", str(target), "init"]) == 0
    text = target.read_text()
    for section in (
        "[workspace]",
        "[llm]",
        "[triage]",
        "[style]",
        "[promises]",
        "[[sources]]",
        "bonus_catalogue",
        "timezone",
        "trackers",
    ):
        assert section in text
    assert cli.main(["--config", str(target), "config", "check"]) == 0
    assert "ok" in capsys.readouterr().out
    # init refuses to clobber an existing file
    assert cli.main(["--config", str(target), "init"]) == 2
    assert "--force" in capsys.readouterr().err


def test_syntax_error_names_file_and_line(tmp_path):
    err = check('[workspace]\nuser = "anna"\ntimezone = "UTC\n', tmp_path)
    assert err.line == 3
    assert "TOML syntax error" in str(err)
    assert str(tmp_path / "config.toml") in str(err)


def test_unknown_key_names_line_key_and_valid_keys(tmp_path):
    err = check('[workspace]\nuser = "anna"\n\n[llm]\nmodle = "gpt"\n', tmp_path)
    assert err.key == "llm.modle"
    assert err.line == 5
    assert "did you mean 'model'" in str(err)
    assert "base_url" in str(err)


def test_wrong_type_says_what_is_valid(tmp_path):
    err = check('[llm]\nconcurrency = "eight"\n', tmp_path)
    assert err.key == "llm.concurrency" and err.line == 2
    assert "must be an integer" in str(err)


def test_list_of_wrong_items(tmp_path):
    err = check('[style]\nbonus_catalogue = ["one month", 3]\n', tmp_path)
    assert err.key == "style.bonus_catalogue"
    assert "array of a string" in str(err) or "array of" in str(err)


def test_unknown_section(tmp_path):
    err = check("[sauces]\nx = 1\n", tmp_path)
    assert err.key == "sauces" and err.line == 1
    assert "did you mean 'sources'" in str(err)


def test_source_missing_required_option_points_at_the_entry(tmp_path):
    text = (
        '[[sources]]\nname = "a"\nkind = "feed"\nurl = "https://x/f"\n\n'
        '[[sources]]\nname = "b"\nkind = "appstore_rss"\n'
    )
    err = check(text, tmp_path)
    assert err.key == "sources.app_id"
    assert err.line == 6  # the second [[sources]] header
    assert "required" in str(err) and "App Store id" in str(err)


def test_source_unknown_kind_and_option(tmp_path):
    err = check('[[sources]]\nname = "a"\nkind = "fed"\nurl = "x"\n', tmp_path)
    assert "unknown source kind 'fed'" in str(err) and "did you mean 'feed'" in str(err)
    err = check('[[sources]]\nname = "a"\nkind = "feed"\nurl = "x"\npages = 3\n', tmp_path)
    assert err.key == "sources.pages" and err.line == 5


def test_duplicate_source_names(tmp_path):
    text = '[[sources]]\nname = "a"\nkind = "file"\npath = "x"\n' * 2
    err = check(text, tmp_path)
    assert "duplicate source name 'a'" in str(err)


def test_bad_timezone_and_release_date(tmp_path):
    err = check('[workspace]\ntimezone = "Mars/Base"\n', tmp_path)
    assert err.key == "workspace.timezone" and err.line == 2
    err = check('[[promises.releases]]\nversion = "2.4"\ndate = "soon"\n', tmp_path)
    assert err.key == "promises.releases.date" and err.line == 3


def test_config_check_exits_2_without_traceback(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text("[llm]\ntimeout = true\n")
    assert cli.main(["--config", str(path), "config", "check"]) == 2
    err = capsys.readouterr().err
    assert "llm.timeout" in err and ":2:" in err and "Traceback" not in err


def test_missing_explicit_config_is_an_error_default_is_not(tmp_path, capsys):
    assert cli.main(["--config", str(tmp_path / "nope.toml"), "config", "check"]) == 2
    assert "replydesk init" in capsys.readouterr().err
    assert load().path is None  # no file at the default path: defaults


def test_env_overrides_are_read_once_at_load(tmp_path, monkeypatch):
    cfg = parse('[workspace]\ndb = "team.db"\n[llm]\nmodel = "a"\n', tmp_path / "c.toml")
    assert cfg.db_path == tmp_path / "team.db"  # relative to the config file
    assert cfg.llm_model == "a"
    assert cfg.user == "tester"  # conftest's REPLYDESK_USER, read at parse
    monkeypatch.setenv("REPLYDESK_MODEL", "b")
    monkeypatch.setenv("REPLYDESK_DB", str(tmp_path / "other.db"))
    monkeypatch.setenv("OPENAI_BASE_URL", "http://later")
    monkeypatch.setenv("REPLYDESK_USER", "someone-else")
    # what the config said at load stays: nothing reads the environment on access
    assert (cfg.llm_model, cfg.db_path) == ("a", tmp_path / "team.db")
    assert (cfg.llm_base_url, cfg.user) == ("", "tester")
    again = parse('[workspace]\ndb = "team.db"\n[llm]\nmodel = "a"\n', tmp_path / "c.toml")
    assert again.llm_model == "b" and again.db_path == tmp_path / "other.db"
    assert (again.llm_base_url, again.user) == ("http://later", "someone-else")


def test_env_is_a_parameter(tmp_path):
    text = '[workspace]\nuser = "anna"\n[llm]\nbase_url = "http://file"\nmodel = "m"\n'
    cfg = parse(text, tmp_path / "c.toml", env={})
    assert (cfg.user, cfg.llm_base_url, cfg.llm_model) == ("anna", "http://file", "m")
    env = {
        "REPLYDESK_USER": "ben",
        "REPLYDESK_DB": "~/x.db",
        "OPENAI_BASE_URL": "http://env",
        "REPLYDESK_MODEL": "big",
    }
    cfg = parse(text, tmp_path / "c.toml", env=env)
    assert (cfg.user, cfg.llm_base_url, cfg.llm_model) == ("ben", "http://env", "big")
    assert cfg.db_path == Path("~/x.db").expanduser()
    assert (cfg.workspace.user, cfg.llm.model) == ("anna", "m")  # the file's own values
    path = tmp_path / "c.toml"
    path.write_text(text)
    assert load(path, env=env).llm_model == "big"
    assert load(env={}).user  # no file: defaults, and the login name


def test_offline_copy_has_no_model_and_no_endpoint():
    cfg = parse('[llm]\nbase_url = "http://x"\nmodel = "m"\n', env={"REPLYDESK_MODEL": "e"})
    off = cfg.offline()
    assert (off.llm_model, off.llm_base_url, off.llm.model, off.llm.base_url) == ("", "", "", "")
    assert cfg.llm_model == "e"  # the original is untouched
    assert off.llm.timeout == cfg.llm.timeout and off.user == cfg.user


def test_config_built_directly_is_all_defaults_and_reads_no_env(monkeypatch):
    monkeypatch.setenv("REPLYDESK_MODEL", "from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env")
    monkeypatch.setenv("REPLYDESK_DB", "/elsewhere.db")
    cfg = Config()
    assert cfg.path is None and cfg.sources == [] and cfg.known_issues == []
    assert cfg.workspace.timezone == "UTC" and cfg.workspace.response_target_hours == 24
    assert cfg.llm.model == "" and cfg.llm.api_key_secret == "openai" and cfg.llm.concurrency == 8
    assert (cfg.llm.timeout, cfg.llm.max_retries, cfg.llm.temperature) == (60.0, 4, 0.4)
    assert (cfg.triage.learned, cfg.triage.unsure_below) == (True, 0.6)
    assert cfg.style.languages == ["en", "ru", "es", "el", "de", "fr", "it", "pt"]
    assert cfg.style.default_language == "en" and cfg.style.bonus_catalogue == []
    assert cfg.promises.default_due_days == 14 and cfg.promises.releases == []
    assert (cfg.llm_model, cfg.llm_base_url) == ("", "")
    assert cfg.db_path == paths.default_db_path()
    assert cfg.user == getpass.getuser()  # the login name, not REPLYDESK_USER
    assert Config(workspace=WorkspaceConfig(user="anna")).user == "anna"
    assert Config().style.languages is not cfg.style.languages  # no shared mutable default
    assert Release("2.4", "2026-12-01") == Release(version="2.4", date="2026-12-01")
    with pytest.raises(ValidationError):
        cfg.llm = LLMConfig()  # frozen


def test_valid_sources_are_typed(tmp_path):
    cfg = parse(
        '[[sources]]\nname = "ios"\nkind = "appstore_rss"\napp_id = "1"\n'
        'countries = ["us", "de"]\nenabled = false\n'
    )
    (src,) = cfg.sources
    assert (src.name, src.kind, src.enabled) == ("ios", "appstore_rss", False)
    assert src.options == {"app_id": "1", "countries": ["us", "de"]}


MANY = """\
[workspace]
timezone = "Europe/Berln"

[llm]
modle = "gpt"
concurrency = 0

[stlye]
signature = "x"

[[sources]]
name = "a"
kind = "fed"
url = "x"

[[sources]]
name = "b"
kind = "appstore_rss"
app_idd = "1"
"""


def test_check_reports_every_problem_with_its_line_key_and_suggestion(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(MANY, encoding="utf-8")
    cfg, problems = check_file(path)
    assert cfg is None
    got = [(p.line, p.key, p.suggestion) for p in problems]
    assert got == [
        (2, "workspace.timezone", "Europe/Berlin"),
        (5, "llm.modle", "model"),
        (6, "llm.concurrency", None),
        (8, "stlye", "style"),
        (13, "sources.kind", "feed"),
        (16, "sources.app_id", None),  # required: points at its [[sources]] entry
        (19, "sources.app_idd", "app_id"),
    ]
    assert all(p.path == path for p in problems)
    text = [str(p) for p in problems]
    assert f"{path}:2: workspace.timezone: unknown time zone 'Europe/Berln'" in text[0]
    assert "did you mean 'Europe/Berlin'" in text[0]
    assert "did you mean 'model'" in text[1] and "valid keys in [llm]" in text[1]
    assert "must be at least 1" in text[2]
    assert "unknown section (did you mean 'style'?)" in text[3]
    assert "unknown source kind 'fed' (did you mean 'feed'?)" in text[4]
    assert "valid kinds: appstore_rss, app_store_connect" in text[4]
    assert "is required for a 'appstore_rss' source (b)" in text[5]
    assert "unknown option for a 'appstore_rss' source (did you mean 'app_id'?)" in text[6]
    for t in text:  # our sentences, never pydantic's
        assert "Input should" not in t and "type=" not in t and "pydantic" not in t
    # load raises the first and counts the rest
    with pytest.raises(ConfigError) as info:
        load(path)
    assert info.value.line == 2 and info.value.key == "workspace.timezone"
    assert "and 6 more problems: run `replydesk config check`" in str(info.value)


def test_check_of_a_good_file_and_of_a_missing_one(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[sources]]\nname = "f"\nkind = "file"\npath = "x.jsonl"\n')
    cfg, problems = check_file(path, env={"REPLYDESK_USER": "ben"})
    assert problems == [] and cfg is not None
    assert cfg.path == path and cfg.user == "ben" and cfg.source("f").options == {"path": "x.jsonl"}
    cfg, problems = check_file(tmp_path / "nope.toml")
    assert cfg is None and "replydesk init" in str(problems[0])
    cfg, problems = check_text("[llm\n", path)
    assert cfg is None and len(problems) == 1 and problems[0].line == 1
    assert "TOML syntax error" in str(problems[0])


def test_wrong_types_everywhere_are_said_in_our_words():
    text = (
        '[workspace]\nresponse_target_hours = "24"\n'  # 2
        "[llm]\ntimeout = true\n"  # 4
        '[triage]\nextra_hostile = { en = ["x", 1] }\n'  # 6
        'glossary = "sync"\n'  # 7
        '[style]\nplatform_limits = { google_play = "350" }\n'  # 9
        '[[promises.releases]]\nversion = "2.4"\ndate = 2026-12-01\n'  # 12
        '[[known_issues]]\nstatus = "fixd"\n'  # 14
    )
    _cfg, problems = check_text(text)
    by_key = {p.key: (p.line, p.detail) for p in problems}
    assert by_key["workspace.response_target_hours"] == (
        2,
        "must be an integer, not a string ('24') (reply within this many hours (age turns red "
        "after))",
    )
    assert by_key["llm.timeout"][1].startswith("must be a number, not true/false")
    assert by_key["triage.extra_hostile"][1].startswith(
        "entry 'en' must be an array of strings; 1 is an integer"
    )
    assert by_key["triage.glossary"][1].startswith("must be an array of strings, not a string")
    assert by_key["style.platform_limits"][1].startswith("entry 'google_play' must be an integer")
    line, detail = by_key["promises.releases.date"]
    assert line == 12 and "write it in quotes" in detail
    assert by_key["known_issues.status"] == (
        14,
        "must be one of: open, fixing, fixed, not 'fixd' (did you mean 'fixed'?)",
    )


@pytest.mark.parametrize(
    ("zone", "suggestion"),
    [("Europe/Berln", "Europe/Berlin"), ("europe/berlin", "Europe/Berlin"), ("Mars/Base", None)],
)
def test_time_zone_suggestions(zone, suggestion):
    _cfg, (problem,) = check_text(f'[workspace]\ntimezone = "{zone}"\n')
    assert problem.key == "workspace.timezone" and problem.line == 2
    assert problem.suggestion == suggestion
    assert ("did you mean" in str(problem)) == bool(suggestion)


def test_triage_band_and_concurrency_checks():
    _cfg, problems = check_text("[triage]\nunsure_below = 1.5\n")
    assert [(p.key, p.line) for p in problems] == [("triage.unsure_below", 2)]
    # configs from before triage v2: the top of the old band is what unsure_below means now
    old = parse("[triage]\nuncertain_low = 0.5\nuncertain_high = 0.75\n")
    assert old.triage.unsure_below == 0.75
    assert parse("[triage]\nuncertain_low = 0.2\n").triage.unsure_below == 0.6
    both = "[triage]\nuncertain_high = 0.9\nunsure_below = 0.3\n"
    assert parse(both).triage.unsure_below == 0.3
    _cfg, problems = check_text("[llm]\nconcurrency = 0\n")
    assert "must be at least 1" in str(problems[0])


def test_sections_and_arrays_of_the_wrong_shape():
    _cfg, problems = check_text('llm = 3\nknown_issues = "x"\nsources = [1]\n')
    assert [(p.line, p.key, p.detail) for p in problems] == [
        (1, "llm", "must be a table ([llm]), not an integer"),
        (2, "known_issues", "must be an array of tables ([[known_issues]]), not a string"),
        (3, "sources", "must be an array of tables ([[sources]]); entry 1 is an integer"),
    ]
    _cfg, (problem,) = check_text("workspace = { user = 3 }\n")
    assert problem.key == "workspace.user" and problem.line == 1  # the inline table's line


def test_source_problems_all_at_once():
    text = (
        '[[sources]]\nname = "a"\nkind = "feed"\nurl = "u"\ntimeout = "20"\n'  # 1-5
        '[[sources]]\nname = "a"\nkind = "fed"\n'  # 6-8
        '[[sources]]\nkind = "json"\nurl = "u"\nenabld = false\n'  # 9-12
        '[[sources]]\nname = "c"\n'  # 13-14
        "[[sources]]\nname = 3\nkind = 4\n"  # 15-17
    )
    _cfg, problems = check_text(text)
    got = [(p.line, p.key) for p in problems]
    assert got == [
        (5, "sources.timeout"),
        (7, "sources.name"),  # duplicate, though its kind is wrong too
        (8, "sources.kind"),
        (9, "sources.name"),  # required in every entry
        (9, "sources.items"),
        (9, "sources.fields"),
        (12, "sources.enabld"),
        (13, "sources.kind"),
        (16, "sources.name"),
        (17, "sources.kind"),
    ]
    text = [str(p) for p in problems]
    assert "duplicate source name 'a'" in text[1]
    assert "is required for a 'json' source (entry 3)" in text[4]
    assert "did you mean 'enabled'" in text[6]
    assert "is required in every [[sources]] entry (valid kinds:" in text[7]
    assert "must be a string, not an integer (4)" in text[9]


@pytest.mark.parametrize("kind", list(KIND_MODELS))
def test_each_source_kind_enforces_its_required_options(kind):
    model = KIND_MODELS[kind]
    required = [n for n in option_names(model) if model.model_fields[n].is_required()]
    assert required, kind
    _cfg, problems = check_text(f'[[sources]]\nname = "s"\nkind = "{kind}"\n')
    assert sorted(p.key for p in problems) == sorted(f"sources.{n}" for n in required)
    for p in problems:
        assert p.line == 1 and f"is required for a {kind!r} source (s)" in str(p)
        assert model.model_fields[p.key.split(".")[1]].description in str(p)
    values = {"fields": '{ id = "uuid" }'}
    body = "".join(f"{n} = {values.get(n, repr('x'))}\n" for n in required)
    cfg = parse(f'[[sources]]\nname = "s"\nkind = "{kind}"\n{body}')
    (src,) = cfg.sources
    assert isinstance(src, model) and set(src.options) == set(required)


def test_source_kinds_match_the_registry_and_keep_their_options():
    assert tuple(KIND_MODELS) == registry.kinds()
    assert COMMON_OPTIONS == ("name", "kind", "enabled", "language")
    assert option_names(KIND_MODELS["appstore_rss"]) == [
        "app_id",
        "countries",
        "pages",
        "timeout",
        "retries",
        "base_url",
    ]
    assert option_names(KIND_MODELS["file"]) == ["path"]
    src = parse(
        '[[sources]]\nname = "j"\nkind = "json"\nurl = "u"\nitems = "data"\n'
        'fields = { id = "uuid" }\ntimeout = 5\nrating_scale = 10\n'
    ).sources[0]
    assert src.options == {
        "url": "u",
        "items": "data",
        "fields": {"id": "uuid"},
        "timeout": 5.0,
        "rating_scale": 10.0,
    }
    assert src.options.get("retries", 3) == 3  # unset options are absent: modules default


@pytest.mark.parametrize("resource", ["starter_config.toml", "demo/config.toml"])
def test_bundled_configs_are_valid(resource, tmp_path):
    text = files("replydesk").joinpath(resource).read_text("utf-8")
    cfg, problems = check_text(text, tmp_path / "config.toml")
    assert problems == [] and cfg is not None
    data = tomllib.loads(text)
    assert len(cfg.sources) == len(data.get("sources", []))
    if resource.startswith("demo"):
        assert {s.kind for s in cfg.sources} >= {"appstore_rss", "google_play", "feed"}
        assert not any(s.enabled for s in cfg.sources)
        assert cfg.workspace.timezone == "Europe/Berlin"


def test_config_check_reports_every_problem_with_its_line_and_a_suggestion(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text(
        "[workspace]\n"
        'timezone = "Europe/Berln"\n'
        "\n"
        "[llm]\n"
        'modle = "gpt"\n'
        "\n"
        "[[sources]]\n"
        'name = "alerts"\n'
        'kind = "fed"\n',
        encoding="utf-8",
    )
    assert cli.main(["--config", str(path), "config", "check"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == "3 problems"
    assert ":2: workspace.timezone" in lines[0] and "Europe/Berlin" in lines[0]
    assert ":5: llm.modle" in lines[1] and "'model'" in lines[1]
    assert ":9: sources.kind" in lines[2] and "'feed'" in lines[2]
    assert all(line.startswith("replydesk: ") for line in lines[:-1])


def test_config_check_catches_tracker_and_range_mistakes_before_they_bite(tmp_path, capsys):
    """A tracker's kind or missing project used to surface only when `promises watch`
    ran; a negative number of hours or days was accepted."""
    path = tmp_path / "config.toml"
    path.write_text(
        "[workspace]\nresponse_target_hours = -5\n\n"
        "[promises]\ndefault_due_days = -3\n\n"
        '[[promises.trackers]]\nname = "gh"\nkind = "githb"\nproject = "a/b"\n\n'
        '[[promises.trackers]]\nname = "gl"\nkind = "gitlab"\n',
        encoding="utf-8",
    )
    assert cli.main(["--config", str(path), "config", "check"]) == 2
    err = capsys.readouterr().err
    assert ":2: workspace.response_target_hours: must be at least 1" in err
    assert ":5: promises.default_due_days: must be at least 0" in err
    assert ":9: promises.trackers.kind" in err and "did you mean 'github'?" in err
    assert "promises.trackers.project: is required for a 'gitlab' tracker" in err
    assert "4 problems" in err
