"""check-ins: client_id, so an answer sent again from a phone's outbox is stored once

Revision ID: screens_1
Revises: dispatch_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "screens_1"
down_revision: str | None = "dispatch_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A unique index rather than a constraint: SQLite adds it in place, where a constraint
# would rebuild the table and, with foreign keys on, cascade away every answer.


def upgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=64), nullable=True))
    op.create_index("uq_checkins_client_id", "checkins", ["user_id", "client_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_checkins_client_id", table_name="checkins")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_column("client_id")
