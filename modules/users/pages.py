"""The small HTML pages that mailed links open: a form for the new password, a button that
confirms an address, and the outcome. They post to the same services as
``POST /auth/password-reset/confirm`` and ``POST /auth/verify-email``, so that a person with
nothing but a mail client and a browser can finish. Confirming takes a click, not just the
link's GET: mail scanners open links."""

from html import escape

from fastapi.responses import HTMLResponse

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · HobbyMatch</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto; padding: 0 1em">
<h1>{title}</h1>
{body}
</body></html>
"""


def new_password_form(
    token: str, *, problem: str | None = None, status_code: int = 200
) -> HTMLResponse:
    """The form that asks for the new password (again, with ``problem`` said, after a refusal)."""
    said = f'<p role="alert">{escape(problem)}</p>' if problem else ""
    body = (
        f"{said}"
        '<form method="post" action="/auth/password-reset/form">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        "<p><label>New password (8 to 128 characters)<br>"
        '<input type="password" name="new_password" minlength="8" maxlength="128" required '
        'autocomplete="new-password" autofocus></label></p>'
        '<p><button type="submit">Set the new password</button></p></form>'
    )
    return _page("Choose a new password", body, status_code)


def address_check_form(token: str) -> HTMLResponse:
    """The button that confirms the address a mailed link was sent to."""
    body = (
        '<form method="post" action="/auth/verify-email/form">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        '<p><button type="submit" autofocus>Confirm my address</button></p></form>'
    )
    return _page("Confirm your address", body, 200)


def outcome(title: str, message: str, *, status_code: int = 200) -> HTMLResponse:
    """A page that says how it went."""
    return _page(escape(title), f"<p>{escape(message)}</p>", status_code)


def _page(title: str, body: str, status_code: int) -> HTMLResponse:
    # The page's URL holds a token: no link or form may send it on as a Referer.
    return HTMLResponse(
        _PAGE.format(title=title, body=body),
        status_code=status_code,
        headers={"Referrer-Policy": "no-referrer"},
    )
