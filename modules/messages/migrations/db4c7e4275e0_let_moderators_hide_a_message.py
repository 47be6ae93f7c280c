"""let moderators hide a message

Revision ID: db4c7e4275e0
Revises: 9b8f3a0103e8
Create Date: 2026-12-04 18:53:12.860291

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "db4c7e4275e0"
down_revision: Union[str, Sequence[str], None] = "9b8f3a0103e8"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """When a moderator hid each message (none yet)."""
    op.add_column("messages", sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("hidden_at")
