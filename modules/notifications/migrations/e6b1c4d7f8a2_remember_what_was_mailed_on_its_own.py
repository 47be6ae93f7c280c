"""remember what was mailed on its own

Revision ID: e6b1c4d7f8a2
Revises: d5a9b2c3e4f1
Create Date: 2026-12-03 14:10:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "e6b1c4d7f8a2"
down_revision: Union[str, Sequence[str], None] = "d5a9b2c3e4f1"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """When a notification was mailed on its own (none was yet)."""
    op.add_column(
        "notifications", sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_column("notifications", "mailed_at")
