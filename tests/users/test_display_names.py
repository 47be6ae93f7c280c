"""Display names cannot impersonate: what looks like another name, hides characters or
breaks a page is 422 with a reason, on sign-up and on a profile change; real names in any
script pass, and people may share a name."""

import unicodedata
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

from modules.users.display_names import SCHEMA_EXCLUDED, checked_display_name

SignUp = Callable[..., Account]

REFUSED = {
    "trailing zero-width space": ("Alice\u200b", "format or invisible characters"),
    "inner zero-width joiner": ("Al\u200dice", "format or invisible characters"),
    "Cyrillic look-alike": ("\u0410lice", "mixes Cyrillic and Latin letters that look alike"),
    "right-to-left override": ("\u202eecilA", "format or invisible characters"),
    "only zero-width spaces": ("\u200b\u200b\u200b", "format or invisible characters"),
    "only Hangul fillers": ("\u3164\u3164", "format or invisible characters"),
    "Hangul choseong filler": ("A\u115f", "format or invisible characters"),
    "Hangul jungseong filler": ("A\u1160", "format or invisible characters"),
    "halfwidth Hangul filler": ("A\uffa0", "format or invisible characters"),
    "braille blank": ("A\u2800B", "format or invisible characters"),
    "combining overlay": ("Al\u0336ice", "overlaying or enclosing marks"),
    "enclosing circle": ("A\u20dd", "overlaying or enclosing marks"),
    "stacked marks": (
        "Z" + "\u0301\u0302\u0303\u0304\u0306\u0307" + "alg",
        "more than 4 combining",
    ),
    "leading combining mark": ("\u0301Ann", "may not start with a combining mark"),
    "CR LF inside": ("Alice\r\nAdmin", "may not contain line breaks"),
    "line separator inside": ("Alice\u2028Admin", "may not contain line breaks"),
    "no letter or digit": ("!!!", "needs at least one letter or digit"),
    "too long once normalized": ("\ufdfa" * 3, "1 to 50 characters once normalized"),
}

REAL_NAMES = [
    "José",
    "李小龍",
    "Nguyễn",
    "देवनागरी शर्मा",
    "Müller",
    "O'Brien",
    "Anne-Marie",
    "Zoë",
    "محمد",
    "田中みなみ",
    "김민준",
    "Ελένη",
    "Ковальчук",
    "Ọ̀ládèjọ",
    "Wang 王",
]


def sign_up_body(display_name: str) -> dict[str, str]:
    """A sign-up with this display name."""
    return {"email": "ann@example.com", "password": "long enough", "display_name": display_name}


@pytest.mark.parametrize(("name", "reason"), REFUSED.values(), ids=REFUSED.keys())
def test_an_impersonating_or_hidden_name_is_refused_at_sign_up_with_its_reason(
    client: TestClient, name: str, reason: str
) -> None:
    response = client.post("/users", json=sign_up_body(name))
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["type"], error["loc"]) == ("display_name", ["body", "display_name"])
    assert reason in error["msg"]


@pytest.mark.parametrize(("name", "reason"), REFUSED.values(), ids=REFUSED.keys())
def test_an_impersonating_or_hidden_name_is_refused_as_a_profile_change(
    client: TestClient, sign_up: SignUp, name: str, reason: str
) -> None:
    account = sign_up(display_name="Ann")
    response = client.patch("/users/me", json={"display_name": name}, headers=account.headers)
    assert response.status_code == 422
    assert reason in response.json()["detail"][0]["msg"]
    assert client.get("/users/me", headers=account.headers).json()["display_name"] == "Ann"


@pytest.mark.parametrize("name", REAL_NAMES)
def test_a_real_name_in_any_script_is_accepted_as_written(client: TestClient, name: str) -> None:
    response = client.post("/users", json=sign_up_body(name))
    assert response.status_code == 201, response.text
    assert response.json()["display_name"] == unicodedata.normalize("NFC", name)


def test_a_name_is_stored_in_nfkc(client: TestClient) -> None:
    decomposed = unicodedata.normalize("NFD", "Zoë") + " \uff21\ufb01"
    response = client.post("/users", json=sign_up_body(decomposed))
    assert response.json()["display_name"] == "Zoë Afi"


def test_two_people_may_share_a_name(sign_up: SignUp) -> None:
    first, second = sign_up(display_name="Alex Kim"), sign_up(display_name="Alex Kim")
    assert first.id != second.id


def test_the_schema_excludes_what_the_rules_refuse_anywhere(client: TestClient) -> None:
    for character in SCHEMA_EXCLUDED:
        with pytest.raises(ValueError, match="display name"):
            checked_display_name(f"A{character}b")
    schema = client.get("/openapi.json").json()["components"]["schemas"]["UserCreate"]
    assert "\\u200b" in schema["properties"]["display_name"]["pattern"]
