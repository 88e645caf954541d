"""Config: the starter file is valid; every mistake is named precisely, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from replydesk import cli
from replydesk.config import load, parse
from replydesk.domain.errors import ConfigError


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


def test_env_overrides(tmp_path, monkeypatch):
    cfg = parse('[workspace]\ndb = "team.db"\n[llm]\nmodel = "a"\n', tmp_path / "c.toml")
    assert cfg.db_path == tmp_path / "team.db"  # relative to the config file
    assert cfg.llm_model == "a"
    monkeypatch.setenv("REPLYDESK_MODEL", "b")
    monkeypatch.setenv("REPLYDESK_DB", str(tmp_path / "other.db"))
    assert cfg.llm_model == "b"
    assert cfg.db_path == tmp_path / "other.db"


def test_valid_sources_are_typed(tmp_path):
    cfg = parse(
        '[[sources]]\nname = "ios"\nkind = "appstore_rss"\napp_id = "1"\n'
        'countries = ["us", "de"]\nenabled = false\n'
    )
    (src,) = cfg.sources
    assert (src.name, src.kind, src.enabled) == ("ios", "appstore_rss", False)
    assert src.options == {"app_id": "1", "countries": ["us", "de"]}
