"""The matches module's hooks, for other modules to implement (``@hookimpl`` in their front
door): two extension points of ``GET /matches`` (a filter and an annotation), and events.

Each event is called inside the transaction that made the change, with its session, after the
change is written and before it commits: what an implementation writes commits or rolls back
with it, and an implementation that raises makes the request fail with nothing changed.

A request is a ``ConnectionRequest`` (exported by the front door): ``id``, ``sender_id``,
``recipient_id``, ``message``, ``status``, ``created_at``, ``responded_at``.
"""

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from core import hookspec
from modules.matches.filtering import MatchFilter
from modules.matches.models import ConnectionRequest
from modules.matches.schemas import Match

# --- Extension points of GET /matches ---


@hookspec
def matches_filter(db: Session, user_id: uuid.UUID, query: Mapping[str, str]) -> MatchFilter | None:
    """Narrow the people ranked for ``user_id``, before the ranking is paged and counted.

    Called once per ``GET /matches``. Every implementation's filter applies: a person is ranked
    only if no filter hides them and every filter that names its ``only`` people names them.

    :param db: the request's session.
    :param user_id: the caller.
    :param query: the request's query parameters: a module may read one of its own (such as
        ``within_km``) and raise a ``RuleViolationError`` (422) when it is invalid.
    :return: a ``MatchFilter(hidden=..., only=...)``, or ``None`` to leave the ranking alone.
    """


@hookspec
def matches_annotate(
    db: Session, user_id: uuid.UUID, matches: Sequence[Match], query: Mapping[str, str]
) -> Mapping[uuid.UUID, Mapping[str, object]] | None:
    """Add fields to the matches of one page, after ranking: ``{user id: {"field": value}}``.

    The fields appear in each item of ``GET /matches`` beside ``user``, ``score``, ``type`` and
    ``reasons`` (whose names they must not take).

    :param db: the request's session.
    :param user_id: the caller.
    :param matches: the page, best first (each ``match.user.id`` names the person).
    :param query: the request's query parameters.
    :return: the fields by user id, or ``None``.
    """


# --- Events ---


@hookspec
def matches_request_sent(db: Session, request: ConnectionRequest) -> None:
    """Someone asked someone else to connect.

    :param db: the session of the sending transaction.
    :param request: the new, pending request.
    """


@hookspec
def matches_request_accepted(db: Session, request: ConnectionRequest) -> None:
    """A request was accepted: its sender and recipient are now connected.

    :param db: the session of the accepting transaction.
    :param request: the request, its status now ``accepted``.
    """


@hookspec
def matches_request_declined(db: Session, request: ConnectionRequest) -> None:
    """A request was declined by its recipient.

    :param db: the session of the declining transaction.
    :param request: the request, its status now ``declined``.
    """


@hookspec
def matches_request_withdrawn(db: Session, request: ConnectionRequest) -> None:
    """A pending request was withdrawn by its sender; it is deleted when the transaction
    commits.

    :param db: the session of the withdrawing transaction.
    :param request: the request as it was, still ``pending``.
    """


@hookspec
def matches_connection_removed(db: Session, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """A connection ended: ``user_id`` removed their connection with ``other_user_id``.

    :param db: the session of the removing transaction.
    :param user_id: who ended it.
    :param other_user_id: the person they were connected with.
    """
