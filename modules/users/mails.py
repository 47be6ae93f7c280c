"""The mails the users module sends: each a :class:`core.Mail`, in plain text and HTML."""

from html import escape

from core import Mail


def password_reset_mail(*, to: str, name: str, link: str) -> Mail:
    """The link that resets a forgotten password (a security mail: no unsubscribing)."""
    text = (
        f"Hello {name},\n\n"
        "someone, hopefully you, asked to reset the password of your HobbyMatch account.\n"
        f"Choose a new password here, within the hour:\n\n{link}\n\n"
        "The link works once. If you did not ask, ignore this mail: your password stays as "
        "it is.\n"
    )
    html = (
        f"<p>Hello {escape(name)},</p>"
        "<p>someone, hopefully you, asked to reset the password of your HobbyMatch account.</p>"
        f'<p><a href="{escape(link)}">Choose a new password</a> within the hour.</p>'
        "<p>The link works once. If you did not ask, ignore this mail: your password stays as "
        "it is.</p>"
    )
    return Mail(to=to, subject="Reset your HobbyMatch password", text=text, html=html)
