"""push devices: last_seen_at, last_failure_reason, and notes of removed devices

Revision ID: iphone_1
Revises: shifts_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db

revision: str = "iphone_1"
down_revision: str | None = "shifts_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_seen_at", server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "last_failure_reason", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
            )
        )
    op.create_table(
        "push_removed_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_label", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("removed_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("push_removed_devices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_push_removed_devices_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("push_removed_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_removed_devices_user_id"))
    op.drop_table("push_removed_devices")
    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.drop_column("last_failure_reason")
        batch_op.drop_column("last_seen_at")
