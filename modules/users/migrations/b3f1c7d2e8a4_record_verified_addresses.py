"""record verified addresses

Revision ID: b3f1c7d2e8a4
Revises: 7c1e2d9a4b50
Create Date: 2026-12-03 13:40:00.000000

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "b3f1c7d2e8a4"
down_revision: Union[str, Sequence[str], None] = "7c1e2d9a4b50"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """When each account proved its address (none has yet)."""
    op.add_column(
        "users", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_column("users", "email_verified_at")
