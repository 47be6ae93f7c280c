"""create the messages table

Revision ID: 9b8f3a0103e8
Revises:
Create Date: 2026-11-26 17:53:41.177766

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "9b8f3a0103e8"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("messages",)
depends_on: Union[str, Sequence[str], None] = ["7c1e2d9a4b50", "5b8e2c7d9a31"]


def upgrade() -> None:
    """Create the messages table."""
    op.create_table(
        "messages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("sender_id <> recipient_id", name=op.f("ck_messages_not_to_self")),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_messages_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["users.id"],
            name=op.f("fk_messages_sender_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_conversation_received", ["recipient_id", "sender_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_messages_conversation_sent", ["sender_id", "recipient_id", "id"], unique=False
        )
        batch_op.create_index("ix_messages_sender_recent", ["sender_id", "sent_at"], unique=False)


def downgrade() -> None:
    """Drop the messages table."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_sender_recent")
        batch_op.drop_index("ix_messages_conversation_sent")
        batch_op.drop_index("ix_messages_conversation_received")

    op.drop_table("messages")
