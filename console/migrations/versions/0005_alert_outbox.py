"""Red-flag alerts: the alerts, their delivery outbox, and the alerts worker's lease.

Revision ID: 0005_alert_outbox
Revises: 0004_callback_status
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_alert_outbox"
down_revision = "0004_callback_status"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("flag_event_id", sa.Integer, nullable=False),
        sa.Column("flagged_at", sa.Float, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("flag_event_id", name="uq_alerts_flag_event_id"),
    )
    op.create_index("ix_alerts_sender_id", "alerts", ["sender_id"])
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("alert_id", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("lease_owner", sa.String(128)),
        sa.Column("lease_until", sa.Float),
        sa.Column("last_error", sa.Text),
        sa.Column("sent_at", sa.Float),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alert_deliveries"),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], ondelete="CASCADE", name="fk_alert_deliveries_alert_id_alerts"
        ),
        sa.UniqueConstraint("alert_id", "channel", name="uq_alert_deliveries_alert_channel"),
        sa.UniqueConstraint("idempotency_key", name="uq_alert_deliveries_idempotency_key"),
    )
    op.create_index("ix_alert_deliveries_alert_id", "alert_deliveries", ["alert_id"])
    op.create_index("ix_alert_deliveries_next_attempt_at", "alert_deliveries", ["next_attempt_at"])
    op.create_table(
        "worker_leases",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(128)),
        sa.Column("lease_until", sa.Float, nullable=False),
        sa.Column("settled_event_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_worker_leases"),
    )


def downgrade() -> None:
    op.drop_table("worker_leases")
    op.drop_index("ix_alert_deliveries_next_attempt_at", table_name="alert_deliveries")
    op.drop_index("ix_alert_deliveries_alert_id", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index("ix_alerts_sender_id", table_name="alerts")
    op.drop_table("alerts")
