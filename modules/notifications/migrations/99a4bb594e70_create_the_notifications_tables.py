"""create the notifications tables

Revision ID: 99a4bb594e70
Revises:
Create Date: 2026-11-26 18:01:48.317095

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "99a4bb594e70"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("notifications",)
depends_on: Union[str, Sequence[str], None] = ["7c1e2d9a4b50", "5b8e2c7d9a31", "9b8f3a0103e8"]


def upgrade() -> None:
    """Create the notifications tables."""
    op.create_table(
        "notification_inboxes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("notified", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_inboxes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_inboxes")),
    )
    op.create_table(
        "notification_stream_tickets",
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_stream_tickets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_hash", name=op.f("pk_notification_stream_tickets")),
    )
    with op.batch_alter_table("notification_stream_tickets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_stream_tickets_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_notifications_actor_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_unread",
            ["user_id", "actor_id", "kind"],
            unique=False,
            postgresql_where=sa.text("read_at IS NULL"),
            sqlite_where=sa.text("read_at IS NULL"),
        )
        batch_op.create_index("ix_notifications_user_id_id", ["user_id", "id"], unique=False)


def downgrade() -> None:
    """Drop the notifications tables."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_id")
        batch_op.drop_index(
            "ix_notifications_unread",
            postgresql_where=sa.text("read_at IS NULL"),
            sqlite_where=sa.text("read_at IS NULL"),
        )

    op.drop_table("notifications")
    with op.batch_alter_table("notification_stream_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_stream_tickets_expires_at"))

    op.drop_table("notification_stream_tickets")
    op.drop_table("notification_inboxes")
