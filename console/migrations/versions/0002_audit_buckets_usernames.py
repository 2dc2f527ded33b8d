"""Audit log: signed-out events (failed sign-ins, refused forms) are aggregated into one
row per action, source IP and minute (`bucket`, with a `count`); usernames are unique
regardless of case.

Revision ID: 0002_audit_buckets_usernames
Revises: 0001_initial
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_audit_buckets_usernames"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("count", sa.Integer, nullable=False, server_default="1"))
    op.add_column("audit_log", sa.Column("bucket", sa.String(255)))
    op.create_index("ix_audit_log_bucket", "audit_log", ["bucket"], unique=True)
    # Fails if two accounts already differ only by case: rename one first.
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_users_username_lower", table_name="users")
    op.drop_index("ix_audit_log_bucket", table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("bucket")
        batch.drop_column("count")
