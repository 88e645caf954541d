"""Delivery detection against loopback GitHub, GitLab, Jira, JSON and feed servers."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import workspace_with
from fakes.server import Scripted
from replydesk import cli, secrets
from replydesk.domain.models import NewReview
from replydesk.services.promising import watch
from tui_helpers import settle

FEED = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Releases</title>
<entry><id>1</id><title>Release 5.3</title><link href="https://example.com/r/5.3"/>
<updated>2026-11-21T10:00:00Z</updated><content type="html">Fixes the login crash</content>
</entry></feed>"""


def tracker_ws(server, tmp_path):
    ws = workspace_with(
        tmp_path,
        f"""
[[promises.trackers]]
name = "gh"
kind = "github"
url = "{server.url}"
project = "acme/app"
token_secret = "gh-token"

[[promises.trackers]]
name = "gl"
kind = "gitlab"
url = "{server.url}"
project = "acme/app"

[[promises.trackers]]
name = "jira"
kind = "jira"
url = "{server.url}"

[[promises.trackers]]
name = "status"
kind = "json"
url = "{server.url}/fixes/{{ref}}.json"
project = "deploy.state=live"

[[promises.trackers]]
name = "releases"
kind = "feed"
url = "{server.url}/releases.atom"
""",
    )
    ((_, rid),) = ws.store.reviews.upsert(
        [
            NewReview(
                "s",
                "r1",
                body="Crash on login",
                rating=1,
                author="Kim",
                language="en",
                created_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
        ]
    )
    return ws, rid


def promise(ws, rid, link):
    return ws.store.promises.add(
        rid, f"fix via {link}", kind="fix", owner="anna", due_date="2026-12-31", tracker_url=link
    )


def test_each_tracker_kind_delivers_when_done(server, tmp_path):
    secrets.set("gh-token", "ghp_secret123")
    seen_tokens = []

    @server.route("GET", r"/repos/acme/app/issues/(\d+)")
    def gh_issue(req):
        seen_tokens.append(req.headers.get("authorization"))
        state = "closed" if req.match.group(1) == "812" else "open"
        return (
            200,
            {},
            {
                "state": state,
                "html_url": f"https://github.com/acme/app/issues/{req.match.group(1)}",
            },
        )

    server.route("GET", r"/repos/acme/app/pulls/45")(
        lambda req: (200, {}, {"state": "closed", "merged": True, "html_url": "https://pr/45"})
    )
    server.route("GET", r"/api/v4/projects/acme%2Fapp/issues/12")(
        lambda req: (200, {}, {"state": "closed", "web_url": "https://gitlab/12"})
    )
    server.route("GET", r"/rest/api/2/issue/APP-7")(
        lambda req: (
            200,
            {},
            {"fields": {"status": {"name": "Released", "statusCategory": {"key": "done"}}}},
        )
    )
    server.route("GET", r"/rest/api/2/issue/APP-8")(
        lambda req: (
            200,
            {},
            {
                "fields": {
                    "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}
                }
            },
        )
    )
    server.route("GET", r"/fixes/login\.json")(lambda req: (200, {}, {"deploy": {"state": "live"}}))
    server.route("GET", r"/releases\.atom")(lambda req: (200, {}, FEED))
    ws, rid = tracker_ws(server, tmp_path)
    links = [
        "gh:812",
        "gh:900",
        "gh:pull/45",
        "gl:12",
        "jira:APP-7",
        "jira:APP-8",
        "status:login",
        "releases:5.3",
        "releases:6.0",
    ]
    made = {link: promise(ws, rid, link) for link in links}
    results = {r.promise_id: r for r in watch(ws)}
    status = {link: results[p.id].status for link, p in made.items()}
    assert status == {
        "gh:812": "delivered",
        "gh:900": "open",
        "gh:pull/45": "delivered",
        "gl:12": "delivered",
        "jira:APP-7": "delivered",
        "jira:APP-8": "open",
        "status:login": "delivered",
        "releases:5.3": "delivered",
        "releases:6.0": "open",
    }
    assert seen_tokens[0] == "Bearer ghp_secret123"
    delivered = ws.store.promises.get(made["gh:812"].id)
    assert delivered.status == "delivered"
    assert delivered.evidence == "https://github.com/acme/app/issues/812"
    assert delivered.followup_draft_id  # the follow-up is queued at once
    assert ws.store.promises.get(made["releases:5.3"].id).evidence == "https://example.com/r/5.3"
    assert {r.status for r in watch(ws)} == {"open"}  # delivered ones are not checked again


def test_rate_limits_and_auth_errors_are_reported_not_fatal(server, tmp_path, capsys):
    server.script(
        Scripted(
            403,
            {"X-RateLimit-Remaining": "0"},
            {"message": "API rate limit exceeded"},
            path="/repos/",
        )
    )
    server.script(Scripted(429, {"Retry-After": "1"}, {}, path="/rest/api"))
    server.route("GET", r"/rest/api/2/issue/APP-7")(
        lambda req: (200, {}, {"fields": {"status": {"statusCategory": {"key": "done"}}}})
    )
    server.route("GET", r"/api/v4/projects/acme%2Fapp/issues/12")(
        lambda req: (401, {}, {"message": "401 Unauthorized"})
    )
    secrets.set("gh-token", "ghp_x")
    ws, rid = tracker_ws(server, tmp_path)
    gh, jira, gl = (promise(ws, rid, link) for link in ("gh:1", "jira:APP-7", "gl:12"))
    bad = promise(ws, rid, "nowhere:1")
    results = {r.promise_id: r for r in watch(ws)}
    assert results[gh.id].status == "error" and "rate limit" in results[gh.id].detail
    assert results[jira.id].status == "delivered"  # after honouring Retry-After
    assert results[gl.id].status == "error" and "credentials were refused" in results[gl.id].detail
    assert "must be NAME:REF" in results[bad.id].detail
    ws.close()
    code = cli.main(
        [
            "--config",
            str(tmp_path / "config.toml"),
            "--db",
            str(tmp_path / "ws.db"),
            "promises",
            "watch",
        ]
    )
    assert code == 1 and "could not be checked" in capsys.readouterr().out


def test_approved_reply_to_tracker_to_follow_up(server, tmp_path, capsys):
    """The whole loop: reply approved -> promise -> tracker closes -> delivered ->
    follow-up draft queued for approval."""
    state = {"value": "open"}
    server.route("GET", r"/repos/acme/app/issues/812")(
        lambda req: (200, {}, {"state": state["value"], "html_url": "https://gh/812"})
    )
    secrets.set("gh-token", "ghp_y")
    ws, rid = tracker_ws(server, tmp_path)
    ws.store.drafts.add(
        rid,
        "Kim, I'm sorry about the crash, and thank you for telling us. "
        "We will fix it in the next update. Could you tell us your phone "
        "model?",
        author="model",
        language="en",
    )
    ws.close()
    args = ["--config", str(tmp_path / "config.toml"), "--db", str(tmp_path / "ws.db")]
    assert cli.main([*args, "approve", str(rid)]) == 0
    assert cli.main([*args, "promise", "edit", "1", "--tracker", "gh:812"]) == 0
    assert cli.main([*args, "promises", "watch"]) == 0
    assert "0 delivered, 1 still open" in capsys.readouterr().out
    state["value"] = "closed"
    assert cli.main([*args, "promises", "watch"]) == 0
    assert "1 delivered" in capsys.readouterr().out
    ws = workspace_with(tmp_path, (tmp_path / "config.toml").read_text())
    p = ws.store.promises.get(1)
    follow = ws.store.drafts.get(p.followup_draft_id)
    assert (p.status, p.evidence, follow.kind, follow.state) == (
        "delivered",
        "https://gh/812",
        "followup",
        "draft",
    )
    assert ws.store.reviews.get(rid).status == "drafted"  # back in the queue


async def test_the_inbox_warns_about_overdue_promises(demo_ws):
    from replydesk.tui.app import make_app

    app = make_app(demo_ws)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert any("3 promises overdue" in str(n.message) for n in app._notifications)


def test_a_tracker_answering_odd_json_types_is_checked_not_crashed(server, tmp_path):
    """A tracker's JSON is input: a dict where a URL belongs delivers (closed is closed)
    with no evidence link, and the other promises are still checked."""
    secrets.set("gh-token", "ghp_secret123")
    server.route("GET", r"/repos/acme/app/issues/(\d+)")(
        lambda req: (200, {}, {"state": "closed", "html_url": {"oops": 1}})
    )
    ws, rid = tracker_ws(server, tmp_path)
    first = promise(ws, rid, "gh:1")
    second = promise(ws, rid, "gh:2")
    results = watch(ws)
    assert {r.promise_id for r in results} == {first.id, second.id}
    for p in (first, second):
        assert ws.store.promises.get(p.id).status == "delivered"
