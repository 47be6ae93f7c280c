"""let moderators hide a reference

Revision ID: fc8fc48947fc
Revises: b25226be55d9
Create Date: 2026-12-04 18:53:29.528169

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "fc8fc48947fc"
down_revision: Union[str, Sequence[str], None] = "b25226be55d9"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """When a moderator hid each reference (none yet)."""
    op.add_column(
        "user_references", sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("user_references", schema=None) as batch_op:
        batch_op.drop_column("hidden_at")
