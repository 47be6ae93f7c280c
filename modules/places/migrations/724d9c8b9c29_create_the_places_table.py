"""create the places table

Revision ID: 724d9c8b9c29
Revises:
Create Date: 2026-11-26 18:18:29.700249

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "724d9c8b9c29"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("places",)
depends_on: Union[str, Sequence[str], None] = ["7c1e2d9a4b50", "5b8e2c7d9a31"]


def upgrade() -> None:
    """Create the places table."""
    op.create_table(
        "places",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_places_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_places")),
    )
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.create_index(
            "ix_places_latitude_longitude", ["latitude", "longitude"], unique=False
        )


def downgrade() -> None:
    """Drop the places table."""
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index("ix_places_latitude_longitude")

    op.drop_table("places")
