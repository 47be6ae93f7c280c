"""stream tickets carry the token version

Revision ID: 6ab0a334c2e9
Revises: 99a4bb594e70
Create Date: 2026-11-27 10:00:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "6ab0a334c2e9"
down_revision: Union[str, Sequence[str], None] = "99a4bb594e70"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Add the token version a ticket was issued under. A ticket issued before (they live
    seconds) gets -1, a version no account has: it is refused, and its holder asks again."""
    with op.batch_alter_table("notification_stream_tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="-1")
        )
    with op.batch_alter_table("notification_stream_tickets", schema=None) as batch_op:
        batch_op.alter_column("token_version", server_default=None)


def downgrade() -> None:
    """Drop the token version."""
    with op.batch_alter_table("notification_stream_tickets", schema=None) as batch_op:
        batch_op.drop_column("token_version")
