"""Callback requests: their status (new, called, no answer, done), who changed it and when.

Revision ID: 0004_callback_status
Revises: 0003_test_conversations
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_callback_status"
# The lead re-chains this after the other 0003 migration at merge.
down_revision = "0003_test_conversations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_status",
        sa.Column("request_event_id", sa.Integer, autoincrement=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("changed_at", sa.Float, nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("request_event_id", name="pk_callback_status"),
    )
    op.create_index("ix_callback_status_sender_id", "callback_status", ["sender_id"])


def downgrade() -> None:
    op.drop_index("ix_callback_status_sender_id", table_name="callback_status")
    op.drop_table("callback_status")
