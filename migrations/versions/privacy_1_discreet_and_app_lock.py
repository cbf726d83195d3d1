"""discreet notifications, the app lock and its sessions

Revision ID: privacy_1
Revises: ops_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.db

revision: str = "privacy_1"
down_revision: str | None = "ops_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Accounts that existed before keep the notifications they know; sign-up turns it on.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "discreet_notifications",
                sa.Boolean(),
                server_default="0",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("lock_after_minutes", sa.Integer(), server_default="5", nullable=True)
        )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_seen_at", server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("locked", sa.Boolean(), server_default="0", nullable=False)
        )
    op.create_table(
        "app_locks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pin_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("passkey", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("app_locks")
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_column("locked")
        batch_op.drop_column("last_seen_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("lock_after_minutes")
        batch_op.drop_column("discreet_notifications")
