"""index the inactive accounts

Revision ID: 7c1e2d9a4b50
Revises: 40859e619f7f
Create Date: 2026-11-25 19:45:00.000000

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "7c1e2d9a4b50"
down_revision: Union[str, Sequence[str], None] = "40859e619f7f"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """A partial index of the deactivated accounts."""
    op.create_index(
        "ix_users_inactive",
        "users",
        ["id"],
        unique=False,
        postgresql_where=sa.text("NOT is_active"),
        sqlite_where=sa.text("NOT is_active"),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_users_inactive", table_name="users")
