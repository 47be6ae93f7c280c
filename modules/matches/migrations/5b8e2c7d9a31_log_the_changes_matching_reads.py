"""log the changes matching reads

Revision ID: 5b8e2c7d9a31
Revises: 83f9fc083c85
Create Date: 2026-11-26 16:10:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "5b8e2c7d9a31"
down_revision: Union[str, Sequence[str], None] = "83f9fc083c85"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create the change log that keeps every worker's matching index fresh."""
    op.create_table(
        "match_changes",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_match_changes")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_match_changes_changed_at"), "match_changes", ["changed_at"], unique=False
    )


def downgrade() -> None:
    """Drop the change log."""
    op.drop_index(op.f("ix_match_changes_changed_at"), table_name="match_changes")
    op.drop_table("match_changes")
