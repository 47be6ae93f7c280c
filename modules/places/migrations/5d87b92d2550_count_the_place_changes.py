"""count the place changes

Revision ID: 5d87b92d2550
Revises: 724d9c8b9c29
Create Date: 2026-12-02 18:58:27.899966

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "5d87b92d2550"
down_revision: Union[str, Sequence[str], None] = "724d9c8b9c29"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create the table of place changes, counted against the daily limit."""
    op.create_table(
        "places_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_places_changes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places_changes")),
    )
    op.create_index(
        "ix_places_changes_user_id_changed_at",
        "places_changes",
        ["user_id", "changed_at"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the table of place changes."""
    op.drop_index("ix_places_changes_user_id_changed_at", table_name="places_changes")
    op.drop_table("places_changes")
