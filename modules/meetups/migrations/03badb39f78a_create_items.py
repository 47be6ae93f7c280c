"""create the meetups items table

Revision ID: 03badb39f78a
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "03badb39f78a"
down_revision = None
branch_labels = ("meetups",)
depends_on = (
    "b3f1c7d2e8a4",
    "5426e4883b5e",
    "5d87b92d2550",
    "d5a9b2c3e4f1",
    "fec361eed6ee",
    "c65d1408b41a",
)


def upgrade() -> None:
    """Create the module's table."""
    op.create_table(
        "meetups_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_meetups_items_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetups_items")),
    )
    op.create_index(
        op.f("ix_meetups_items_owner_id"),
        "meetups_items",
        ["owner_id"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the module's table."""
    op.drop_index(
        op.f("ix_meetups_items_owner_id"),
        table_name="meetups_items",
    )
    op.drop_table("meetups_items")
