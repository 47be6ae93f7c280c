"""create the moderation tables

Revision ID: 008ca609fdb0
Revises:
Create Date: 2026-12-04 18:56:07.635901

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "008ca609fdb0"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("moderation",)
depends_on: Union[str, Sequence[str], None] = [
    "aca104cba1eb",
    "db4c7e4275e0",
    "680584c0c477",
    "fc8fc48947fc",
]  # and notifications' head, through meetups' (naming it too trips Alembic up)

# As in the models (copied, as a migration stays as it was written).
APPEND_ONLY = {
    "sqlite": [
        """CREATE TRIGGER moderation_audit_append_only BEFORE UPDATE ON moderation_audit
        BEGIN SELECT RAISE(ABORT, 'the moderation audit log is append-only'); END"""
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION moderation_audit_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the moderation audit log is append-only'; END $$""",
        """CREATE TRIGGER moderation_audit_append_only BEFORE UPDATE ON moderation_audit
        FOR EACH ROW EXECUTE FUNCTION moderation_audit_append_only()""",
    ],
}


def upgrade() -> None:
    """Reports, and the audit log, which the database refuses to change."""
    op.create_table(
        "moderation_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moderator_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("subject_kind", sa.String(length=12), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("report_ids", sa.JSON(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_audit")),
    )
    op.create_table(
        "moderation_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=True),
        sa.Column("subject_kind", sa.String(length=12), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_moderation_reports_reporter_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_reports")),
    )
    with op.batch_alter_table("moderation_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderation_reports_reporter_id"), ["reporter_id"], unique=False
        )
        batch_op.create_index("ix_moderation_reports_status_id", ["status", "id"], unique=False)
        batch_op.create_index(
            "ix_moderation_reports_subject",
            ["subject_kind", "subject_id", "created_at"],
            unique=False,
        )
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("moderation_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_reports_subject")
        batch_op.drop_index("ix_moderation_reports_status_id")
        batch_op.drop_index(batch_op.f("ix_moderation_reports_reporter_id"))

    op.drop_table("moderation_reports")
    op.drop_table("moderation_audit")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION moderation_audit_append_only()")
