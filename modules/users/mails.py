"""The mails the users module sends: each a :class:`core.Mail`, in plain text (and HTML).

All are security mails: about the account's password or address, so nobody unsubscribes.
"""

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


def address_check_mail(*, to: str, name: str, link: str, is_change: bool) -> Mail:
    """The link that proves the account reads mail at ``to``: its address since sign-up, or
    the one it asked to change to (a security mail)."""
    why = (
        "you asked to change the address of your HobbyMatch account to this one"
        if is_change
        else "welcome to HobbyMatch: please confirm that this address is yours"
    )
    text = (
        f"Hello {name},\n\n{why}.\nConfirm it here, within two days:\n\n{link}\n\n"
        "If it was not you, ignore this mail.\n"
    )
    html = (
        f"<p>Hello {escape(name)},</p><p>{escape(why)}.</p>"
        f'<p><a href="{escape(link)}">Confirm this address</a> within two days.</p>'
        "<p>If it was not you, ignore this mail.</p>"
    )
    return Mail(to=to, subject="Confirm your address for HobbyMatch", text=text, html=html)


def address_in_use_mail(*, to: str) -> Mail:
    """Told to an address that someone asked to move another account to: it has one already
    (the request's answer never says so, the mail to its owner does)."""
    text = (
        "Hello,\n\nsomeone asked to change the address of a HobbyMatch account to this one, "
        "but this address has an account of its own already, so nothing changed.\n"
        "If it was you, sign in with this address instead (or reset its password).\n"
    )
    return Mail(to=to, subject="Your address is already on HobbyMatch", text=text)


def address_change_notice(*, to: str, name: str, new_address: str) -> Mail:
    """Told to the old address when the account asks to move to ``new_address``: the owner
    learns of a change they did not make, while the old address still signs in."""
    text = (
        f"Hello {name},\n\nsomeone signed in to your HobbyMatch account asked to change its "
        f"address to {new_address}. It changes once that address confirms it.\n"
        "If it was not you, change your password now: the address stays as it is.\n"
    )
    html = (
        f"<p>Hello {escape(name)},</p><p>someone signed in to your HobbyMatch account asked "
        f"to change its address to <b>{escape(new_address)}</b>. It changes once that address "
        "confirms it.</p><p>If it was not you, change your password now: the address stays "
        "as it is.</p>"
    )
    return Mail(to=to, subject="Your HobbyMatch address is being changed", text=text, html=html)


def restriction_mail(*, to: str, name: str, notice: str) -> Mail:
    """Told to an account's owner when a moderator suspends or bans it, with the reason (a
    mail about the account: no unsubscribing)."""
    text = (
        f"Hello {name},\n\n{notice}.\n\n"
        "Until then you cannot sign in, and others do not see your profile or what you "
        "wrote. If you think this is a mistake, answer this mail.\n"
    )
    return Mail(to=to, subject="Your HobbyMatch account is restricted", text=text)
