"""The mails the notifications module sends: the digest of unread notifications."""

from collections.abc import Mapping, Sequence
from html import escape

from core import Mail
from modules.notifications.models import Kind
from modules.notifications.schemas import NotificationOut

# How a digest tells each of this module's own kinds; other modules declare theirs.
WHAT_HAPPENED = {
    Kind.REQUEST_RECEIVED.value: "{actor} asked to connect with you",
    Kind.REQUEST_ACCEPTED.value: "{actor} accepted your request to connect",
    Kind.MESSAGE_RECEIVED.value: "{actor} sent you a message",
}


def digest_mail(
    *,
    to: str,
    name: str,
    items: Sequence[NotificationOut],
    total: int,
    unsubscribe_url: str,
    phrases: Mapping[str, str],
) -> Mail:
    """What happened while ``name`` was away: ``items`` (the newest), each told by its kind's
    line in ``phrases``, and how many more of the ``total`` there are; unsubscribing takes one
    click (``List-Unsubscribe``)."""
    lines = [phrases[item.kind].format(actor=item.actor.display_name) for item in items]
    more = total - len(items)
    if more > 0:
        lines.append(f"and {more} more")
    subject = f"{total} new on HobbyMatch" if total > 1 else f"{lines[0]} on HobbyMatch"
    text = (
        f"Hello {name},\n\nwhile you were away:\n\n"
        + "".join(f"- {line}\n" for line in lines)
        + f"\nNo more of these mails: {unsubscribe_url}\n"
    )
    html = (
        f"<p>Hello {escape(name)},</p><p>while you were away:</p><ul>"
        + "".join(f"<li>{escape(line)}</li>" for line in lines)
        + f'</ul><p><a href="{escape(unsubscribe_url)}">No more of these mails</a></p>'
    )
    return Mail(to=to, subject=subject, text=text, html=html, unsubscribe_url=unsubscribe_url)
