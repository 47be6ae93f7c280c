"""restrict accounts and give them roles

Revision ID: aca104cba1eb
Revises: b3f1c7d2e8a4
Create Date: 2026-12-04 18:52:00.873372

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "aca104cba1eb"
down_revision: Union[str, Sequence[str], None] = "b3f1c7d2e8a4"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Roles given to accounts, and a moderator's restriction of an account (none yet)."""
    op.create_table(
        "users_roles",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_users_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_users_roles")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("restriction", sa.String(length=12), nullable=True))
        batch_op.add_column(
            sa.Column("restricted_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("restriction_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("restriction_reason")
        batch_op.drop_column("restricted_until")
        batch_op.drop_column("restriction")

    op.drop_table("users_roles")
