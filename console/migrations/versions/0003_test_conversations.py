"""Conversations staff marked as tests (who and when), hidden from queues and analytics.

Revision ID: 0003_test_conversations
Revises: 0002_audit_buckets_usernames
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_test_conversations"
down_revision = "0002_audit_buckets_usernames"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversation_status", sa.Column("marked_test_at", sa.Float))
    op.add_column("conversation_status", sa.Column("marked_test_by", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("conversation_status") as batch:
        batch.drop_column("marked_test_by")
        batch.drop_column("marked_test_at")
