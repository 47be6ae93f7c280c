"""Decisions, as moderators and the people they decide about live them: a restriction never
gives way to a milder one; a moderator decides neither a report about them nor one they
filed; a person is suspended or banned, not hidden; a decision about an account gone since
still resolves; a lifted restriction lets the person back, in the audit log; a banned
person's meetups, connections and calendar are gone with them."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from hobbymatch_testkit.jobs import MovableClock

from tests.meetups.planning import kinds_of, meetup_body, rsvp
from tests.moderation.reporting import filed, log_in, resolve, send, talk
from tests.social import skill_id

SignUp = Callable[..., Account]


def test_a_milder_decision_never_undoes_a_harsher_one(
    client: TestClient, sign_up: SignUp, moderator: Account, clock: MovableClock
) -> None:
    ana, ben = sign_up(), sign_up()
    talk(client, ana, ben)
    first, second = send(client, ben, ana, "One"), send(client, ben, ana, "Two")
    about_first, about_second = (
        filed(client, ana, "message", first),
        filed(client, ana, "message", second),
    )
    assert resolve(client, moderator, about_first, action="ban").status_code == 200
    assert resolve(client, moderator, about_second, action="suspend", days=1).status_code == 200
    clock.move(days=2)
    assert log_in(client, ben).json()["detail"] == "this account is banned: reported for spam"


def test_a_longer_suspension_outlasts_a_shorter_one_decided_later(
    client: TestClient, sign_up: SignUp, moderator: Account, clock: MovableClock
) -> None:
    ana, ben = sign_up(), sign_up()
    talk(client, ana, ben)
    first, second = send(client, ben, ana, "One"), send(client, ben, ana, "Two")
    long, short = filed(client, ana, "message", first), filed(client, ana, "message", second)
    assert resolve(client, moderator, long, action="suspend", days=30).status_code == 200
    assert resolve(client, moderator, short, action="suspend", days=1).status_code == 200
    clock.move(days=2)
    assert log_in(client, ben).status_code == 403
    clock.move(days=29)
    assert log_in(client, ben).status_code == 200


def test_moderators_decide_neither_about_themselves_nor_what_they_reported(
    client: TestClient, sign_up: SignUp, moderator: Account
) -> None:
    ana, ben = sign_up(), sign_up()
    mine = filed(client, moderator, "user", ben.id)
    assert client.get("/moderation/reports", headers=moderator.headers).json()["total"] == 0
    refused = resolve(client, moderator, mine, action="ban")
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "another moderator decides what you reported",
    )
    filed(client, ana, "user", ben.id)  # a second report of the same person
    items = client.get("/moderation/reports", headers=moderator.headers).json()["items"]
    assert resolve(client, moderator, items[0]["id"], action="ban").status_code == 403
    hidden = resolve(client, moderator, filed(client, ben, "user", ana.id), action="hide")
    assert hidden.status_code == 422
    assert hidden.json()["detail"][0]["msg"] == "a person is not hidden: suspend or ban them"
    missing_days = resolve(client, moderator, mine, action="suspend")
    assert missing_days.json()["detail"][0]["loc"] == ["body", "days"]


def test_a_ban_of_an_account_gone_since_still_resolves_the_report(
    client: TestClient, sign_up: SignUp, moderator: Account
) -> None:
    ana, ben = sign_up(), sign_up()
    report_id = filed(client, ana, "user", ben.id)
    assert client.delete("/users/me", headers=ben.headers).status_code == 204
    done = resolve(client, moderator, report_id, action="ban", note="Threats")
    assert (done.status_code, done.json()["status"]) == (200, "resolved")
    [entry] = client.get("/moderation/audit", headers=moderator.headers).json()["items"]
    assert entry["note"] == "Threats (the account is gone: nothing to restrict)"


def test_a_lifted_suspension_lets_the_person_back_and_is_logged(
    client: TestClient, sign_up: SignUp, moderator: Account
) -> None:
    ana, ben = sign_up(), sign_up()
    report_id = filed(client, ana, "user", ben.id)
    assert resolve(client, moderator, report_id, action="suspend", days=30).status_code == 200
    lift = f"/moderation/users/{ben.id}/lift"
    assert client.post(lift, json={}, headers=ana.headers).status_code == 403
    lifted = client.post(lift, json={"note": "Appeal upheld"}, headers=moderator.headers)
    assert lifted.status_code == 200, lifted.text
    assert (lifted.json()["action"], lifted.json()["note"]) == ("lift", "Appeal upheld")
    assert log_in(client, ben).status_code == 200
    assert client.post(lift, json={}, headers=moderator.headers).status_code == 404
    own = client.post(f"/moderation/users/{moderator.id}/lift", json={}, headers=moderator.headers)
    assert own.status_code == 403
    actions = client.get("/moderation/audit", headers=moderator.headers).json()["items"]
    assert [entry["action"] for entry in actions] == ["lift", "suspend"]


def test_a_banned_hosts_meetups_connections_and_calendar_go_with_them(
    client: TestClient, sign_up: SignUp, moderator: Account
) -> None:
    ana, ben = sign_up(), sign_up()
    talk(client, ana, ben)
    body = meetup_body(skill_id=skill_id(client, "Chess"))
    meetup = client.post("/meetups", json=body, headers=ben.headers).json()
    rsvp(client, ana, meetup["id"])
    feed = client.post("/meetups/calendar-feed", headers=ben.headers).json()["url"]
    report_id = filed(client, ana, "user", ben.id)
    assert resolve(client, moderator, report_id, action="ban").status_code == 200
    assert client.get(f"/meetups/{meetup['id']}", headers=ana.headers).status_code == 404
    assert client.put(f"/meetups/{meetup['id']}/rsvp", headers=ana.headers).status_code == 404
    assert client.get("/meetups/mine", headers=ana.headers).json()["total"] == 0
    assert client.get(feed[feed.index("/meetups/") :]).status_code == 404
    assert client.get("/matches/connections", headers=ana.headers).json()["total"] == 0
    assert kinds_of(client, ana) == []  # the cancellation is from someone now gone for her


def test_a_meetup_taken_down_tells_the_people_going(
    client: TestClient, sign_up: SignUp, moderator: Account
) -> None:
    ana, ben = sign_up(), sign_up()
    body = meetup_body(skill_id=skill_id(client, "Chess"))
    meetup = client.post("/meetups", json=body, headers=ben.headers).json()
    rsvp(client, ana, meetup["id"])
    report_id = filed(client, ana, "meetup", meetup["id"])
    assert resolve(client, moderator, report_id, action="hide").status_code == 200
    assert kinds_of(client, ana)[0] == "meetups.taken_down"
