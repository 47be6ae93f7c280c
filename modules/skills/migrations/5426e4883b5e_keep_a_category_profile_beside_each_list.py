"""keep a category profile beside each list

Revision ID: 5426e4883b5e
Revises: 1e04bda2fa6e
Create Date: 2026-11-25 19:10:58.642179

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "5426e4883b5e"
down_revision: Union[str, Sequence[str], None] = "1e04bda2fa6e"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The categories in the order of their bits, frozen here as they were at this revision.
CATEGORIES = (
    "arts",
    "crafts",
    "music",
    "sports",
    "outdoors",
    "games",
    "tech",
    "languages",
    "cooking",
    "wellness",
    "other",
)


def upgrade() -> None:
    """Create skill_profiles and fill it from the lists that exist."""
    op.create_table(
        "skill_profiles",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("category_mask", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_skill_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_skill_profiles")),
    )
    bits = " ".join(f"WHEN '{name}' THEN {1 << bit}" for bit, name in enumerate(CATEGORIES))
    # Built from this file's constants only.
    backfill = (
        "INSERT INTO skill_profiles (user_id, category_mask) "  # noqa: S608
        f"SELECT us.user_id, SUM(DISTINCT CASE s.category {bits} END) "
        "FROM user_skills us JOIN skills s ON s.id = us.skill_id GROUP BY us.user_id"
    )
    op.execute(backfill)


def downgrade() -> None:
    """Drop skill_profiles."""
    op.drop_table("skill_profiles")
