"""let moderators hide a meetup

Revision ID: 680584c0c477
Revises: eeb87c741f20
Create Date: 2026-12-04 18:53:25.034065

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "680584c0c477"
down_revision: Union[str, Sequence[str], None] = "eeb87c741f20"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """When a moderator hid each meetup (none yet)."""
    op.add_column("meetups", sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("meetups", schema=None) as batch_op:
        batch_op.drop_column("hidden_at")
