"""limit how often people ask to connect

Revision ID: d99b77df600c
Revises: 5b8e2c7d9a31
Create Date: 2026-12-02 20:30:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "d99b77df600c"
down_revision: Union[str, Sequence[str], None] = "5b8e2c7d9a31"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Create the log of requests sent (the daily limit) and the cooldowns between two people."""
    op.create_table(
        "match_requests_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["users.id"],
            name=op.f("fk_match_requests_sent_sender_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_requests_sent")),
    )
    op.create_index(
        "ix_match_requests_sent_sender_at",
        "match_requests_sent",
        ["sender_id", "sent_at"],
        unique=False,
    )
    op.create_table(
        "match_request_cooldowns",
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=9), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reason IN ('declined', 'withdrawn')", name=op.f("ck_match_request_cooldowns_reason")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_match_request_cooldowns_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["users.id"],
            name=op.f("fk_match_request_cooldowns_sender_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "sender_id", "recipient_id", name=op.f("pk_match_request_cooldowns")
        ),
    )


def downgrade() -> None:
    """Drop both."""
    op.drop_table("match_request_cooldowns")
    op.drop_index("ix_match_requests_sent_sender_at", table_name="match_requests_sent")
    op.drop_table("match_requests_sent")
