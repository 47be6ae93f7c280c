"""The small HTML pages that mailed links open: a form for the new password, a button that
confirms an address, and the outcome. They post to the same services as
``POST /auth/password-reset/confirm`` and ``POST /auth/verify-email``, so that a person with
nothing but a mail client and a browser can finish. Confirming takes a click, not just the
link's GET: mail scanners open links."""

from html import escape

from fastapi.responses import HTMLResponse

from core import html_page


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
    return html_page("Choose a new password", body, status_code=status_code)


def address_check_form(token: str) -> HTMLResponse:
    """The button that confirms the address a mailed link was sent to."""
    body = (
        '<form method="post" action="/auth/verify-email/form">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        '<p><button type="submit" autofocus>Confirm my address</button></p></form>'
    )
    return html_page("Confirm your address", body)


def outcome(title: str, message: str, *, status_code: int = 200) -> HTMLResponse:
    """A page that says how it went."""
    return html_page(title, f"<p>{escape(message)}</p>", status_code=status_code)
