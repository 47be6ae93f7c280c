"""keep what remains of a connection that ended

Revision ID: fec361eed6ee
Revises: d99b77df600c
Create Date: 2026-12-02 22:40:06.174538

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "fec361eed6ee"
down_revision: Union[str, Sequence[str], None] = "d99b77df600c"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create the table of connections that ended."""
    op.create_table(
        "match_past_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Uuid(), nullable=False),
        sa.Column("second_id", sa.Uuid(), nullable=False),
        sa.Column("pair_key", sa.String(length=73), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_id"],
            ["users.id"],
            name=op.f("fk_match_past_connections_first_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["users.id"],
            name=op.f("fk_match_past_connections_second_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_past_connections")),
    )
    with op.batch_alter_table("match_past_connections", schema=None) as batch_op:
        batch_op.create_index("ix_match_past_connections_pair_key", ["pair_key"], unique=False)


def downgrade() -> None:
    """Drop the table of connections that ended."""
    with op.batch_alter_table("match_past_connections", schema=None) as batch_op:
        batch_op.drop_index("ix_match_past_connections_pair_key")

    op.drop_table("match_past_connections")
