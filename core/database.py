"""A request's database session: the ``get_db`` dependency, and the one place where the
session a request reads and writes with is opened, closed and told that it failed.

The engines are the app's (:class:`core.platform.Platform`, built from :mod:`core.engine`);
this layer picks the right one for each request: autocommit for a ``GET`` or ``HEAD``, a
fresh replica when the route opts in (:data:`core.replicas.ReadsFromReplica`), the primary for
everything else. Routes take ``db: Session = Depends(get_db)``.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from anyio import CapacityLimiter, to_thread
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from core.engine import is_connection_error
from core.platform import Platform
from core.replicas import (
    Replica,
    connection_lost,
    is_read_only,
    replica_for_read,
    track_commit_position,
)


@dataclass(frozen=True)
class RequestSession:
    """The session a request reads and writes with, and the replica behind it, if any."""

    session: Session
    replica: Replica | None
    connection: HTTPConnection

    @classmethod
    def open(cls, connection: HTTPConnection) -> "RequestSession":
        """A session of the request's app for ``connection``'s request: in autocommit for a
        ``GET`` or ``HEAD``, on a fresh replica when the route opts in. Opening it sends
        nothing."""
        platform = Platform.of(connection)
        state = _request_state(connection)
        method = _method(connection)
        if not is_read_only(method):
            session = platform.session_factory()
            if platform.replicas is not None:
                track_commit_position(session, state)
            return cls(session=session, replica=None, connection=connection)
        replica = replica_for_read(state, method, platform.replicas)
        if replica is not None:
            return cls(session=replica.session_factory(), replica=replica, connection=connection)
        session = platform.session_factory(bind=platform.read_engine)
        return cls(session=session, replica=None, connection=connection)

    @property
    def may_hold_a_transaction(self) -> bool:
        """Whether closing the session may send a ROLLBACK (it is not a read in autocommit)."""
        return not is_read_only(_method(self.connection))

    def failed(self, error: BaseException) -> None:
        """The request failed with ``error``: if it lost its database connection, a ``GET`` or
        ``HEAD`` is answered again, once (:func:`core.replicas.connection_lost`)."""
        if not is_connection_error(error):
            return
        replicas = Platform.of(self.connection).replicas
        connection_lost(
            _request_state(self.connection), _method(self.connection), replicas, self.replica
        )

    def close(self) -> None:
        """Close the session, rolling back what was not committed."""
        self.session.close()


def read_engine_for(connection: HTTPConnection) -> tuple[Engine, Replica | None]:
    """The engine in autocommit that ``connection``'s read uses on a Core connection (a hot
    read, :mod:`core.hot_reads`), and the replica behind it, if any."""
    platform = Platform.of(connection)
    replica = replica_for_read(_request_state(connection), _method(connection), platform.replicas)
    return (replica.engine if replica is not None else platform.read_engine), replica


def read_failed(connection: HTTPConnection, replica: Replica | None) -> Engine:
    """A hot read lost its connection on ``replica`` (or the primary): skip that replica
    meanwhile; the engine to read from again, the primary's."""
    platform = Platform.of(connection)
    if replica is not None and platform.replicas is not None:
        platform.replicas.mark_down(replica)
    return platform.read_engine


async def get_db(connection: HTTPConnection) -> AsyncIterator[Session]:
    """FastAPI dependency: yield a ``Session`` of the request's app, roll back if the request
    fails, always close it.

    A ``GET`` or ``HEAD`` reads in autocommit: no BEGIN before its statements, no ROLLBACK
    after (such a request must not write). Its session is a replica's for a route that opts in
    (:data:`core.replicas.ReadsFromReplica`) when a fresh replica has the caller's writes. One
    that loses its connection is answered again, once (:func:`core.replicas.connection_lost`).

    Async, though the session is sync: opening a session sends nothing, and neither does
    closing one in autocommit, so neither costs a thread-pool hop; closing a session that may
    hold a transaction (a ROLLBACK to send) runs in a thread of its own, which waits for no
    worker thread.
    """
    request_session = RequestSession.open(connection)
    try:
        yield request_session.session
    except Exception as error:
        request_session.failed(error)
        raise
    finally:
        if request_session.may_hold_a_transaction:
            await to_thread.run_sync(request_session.close, limiter=CapacityLimiter(1))
        else:
            request_session.close()


def _request_state(connection: HTTPConnection) -> dict[str, Any]:
    state: dict[str, Any] = connection.scope.setdefault("state", {})
    return state


def _method(connection: HTTPConnection) -> str:
    method: str = connection.scope.get("method", "GET")
    return method
