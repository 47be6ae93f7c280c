"""remember each person's choice of mail

Revision ID: c4e8a1f9d2b7
Revises: 6ab0a334c2e9
Create Date: 2026-12-03 13:45:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "c4e8a1f9d2b7"
down_revision: Union[str, Sequence[str], None] = "6ab0a334c2e9"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Each person's digest choice, how far it mailed, and its unsubscribe token."""
    op.create_table(
        "notification_mail_choices",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("digest", sa.String(length=12), nullable=False),
        sa.Column("mailed_up_to", sa.BigInteger(), nullable=False),
        sa.Column("last_mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unsubscribe_token", sa.String(length=43), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_mail_choices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_mail_choices")),
        sa.UniqueConstraint(
            "unsubscribe_token", name=op.f("uq_notification_mail_choices_unsubscribe_token")
        ),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("notification_mail_choices")
