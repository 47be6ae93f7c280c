"""room for other modules' kinds

Revision ID: d5a9b2c3e4f1
Revises: c4e8a1f9d2b7
Create Date: 2026-12-03 14:00:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "d5a9b2c3e4f1"
down_revision: Union[str, Sequence[str], None] = "c4e8a1f9d2b7"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """A kind of 50 characters: ``<module>.<name>``."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=20), type_=sa.String(length=50)
        )


def downgrade() -> None:
    """Back to 20 (fails while a longer kind is stored)."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=50), type_=sa.String(length=20)
        )
