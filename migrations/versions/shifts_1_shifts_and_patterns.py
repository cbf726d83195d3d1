"""shifts and shift patterns; users.schedule_mode

Revision ID: shifts_1
Revises: learn_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db

revision: str = "shifts_1"
down_revision: str | None = "learn_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shift_patterns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("cycle", sa.JSON(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("written_until", sa.Date(), nullable=False),
        sa.Column("created_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shift_patterns_user_id", "shift_patterns", ["user_id"])
    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("start", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=True),
        sa.Column("pattern_id", sa.Integer(), nullable=True),
        sa.Column("ics_uid", sa.String(length=255), nullable=True),
        sa.Column("created_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pattern_id"], ["shift_patterns.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shifts_user_start", "shifts", ["user_id", "start"])
    op.create_index("ix_shifts_pattern_id", "shifts", ["pattern_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("schedule_mode", sa.String(length=8), nullable=False, server_default="weekly")
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("schedule_mode")
    op.drop_index("ix_shifts_pattern_id", table_name="shifts")
    op.drop_index("ix_shifts_user_start", table_name="shifts")
    op.drop_table("shifts")
    op.drop_index("ix_shift_patterns_user_id", table_name="shift_patterns")
    op.drop_table("shift_patterns")
