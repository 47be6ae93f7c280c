"""The notifications module's extension point, for other modules to implement (``@hookimpl``
in their front door): the kinds of notification they send through ``notify``."""

from collections.abc import Mapping

from core import hookspec


@hookspec
def notifications_kinds() -> Mapping[str, str]:
    """Return the kinds of notification your module sends with the front door's ``notify``,
    each with the line that tells it in a digest mail, ``{actor}`` standing for the actor's
    display name::

        {"meetups.cancelled": "{actor} cancelled a meetup you were going to"}

    A kind is ``"<module>.<name>"`` (at most 50 characters), so that it never clashes with
    another module's or with the notifications module's own (``request_received``,
    ``request_accepted``, ``message_received``). Clients see it as the notification's ``kind``.
    """
    raise NotImplementedError
