"""The console's own tables (created by Alembic: console/migrations/).

Times are epoch seconds (float), like Rasa's events. Staff are named by
username in review records so the history stays readable after an account is
deactivated. A test checks these definitions match the migrations.
"""
from sqlalchemy import (Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String,
                        Table, Text, UniqueConstraint, func)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

ROLES = ("reviewer", "admin")

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", Float, nullable=False),
    Column("last_login_at", Float),
)
# "Alice" and "alice" cannot both exist (the app checks first, with a clear message).
Index("uq_users_username_lower", func.lower(users.c.username), unique=True)

staff_sessions = Table(
    "staff_sessions", metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the cookie's token
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("created_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    Column("ip", String(64)),
)

login_throttle = Table(
    "login_throttle", metadata,
    Column("key", String(400), primary_key=True),  # "user-ip:<name>|<ip>" or "ip:<ip>"
    Column("failures", Integer, nullable=False),
    Column("window_start", Float, nullable=False),
    Column("locked_until", Float),
)

conversation_status = Table(
    "conversation_status", metadata,
    Column("sender_id", String(255), primary_key=True),
    Column("reviewed_at", Float),
    Column("reviewed_by", String(64)),
    Column("followed_up_at", Float),
    Column("followed_up_by", String(64)),
    Column("followup_note", Text),
    # Staff marked it as one of the clinic's own tests (hidden from queues and analytics).
    Column("marked_test_at", Float),
    Column("marked_test_by", String(64)),
)

# The status of each callback request. The request itself (name, number, why) stays in
# the tracker store's events, never here; request_event_id is the id of its
# `callback_reason` slot event.
CALLBACK_STATUSES = ("new", "called", "no_answer", "done")
callback_status = Table(
    "callback_status", metadata,
    Column("request_event_id", Integer, primary_key=True, autoincrement=False),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("changed_at", Float, nullable=False),
    Column("changed_by", String(64), nullable=False),
)

tags = Table(
    "tags", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(64)),
)

conversation_tags = Table(
    "conversation_tags", metadata,
    Column("sender_id", String(255), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Column("added_at", Float, nullable=False),
    Column("added_by", String(64)),
)

annotations = Table(
    "annotations", metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("event_id", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("predicted_intent", String(255)),
    Column("predicted_confidence", Float),
    Column("corrected_intent", String(255), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(64), nullable=False),
    UniqueConstraint("sender_id", "event_id", name="uq_annotations_sender_event"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Float, nullable=False, index=True),
    Column("username", String(64), index=True),
    Column("role", String(16)),
    Column("action", String(64), nullable=False, index=True),
    Column("target", String(255)),
    Column("detail", Text),
    Column("ip", String(64)),
    # Signed-out events are aggregated: one row per action, IP and minute (the bucket key),
    # `count` of them; other rows have count 1 and no bucket.
    Column("count", Integer, nullable=False, default=1, server_default="1"),
    Column("bucket", String(255), index=True, unique=True),
)

# --- red-flag alerts (written by the alerts worker, `python -m alerts`) ------------------

# One row per alert: a red flag that began an episode of its conversation.
alerts = Table(
    "alerts", metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    # The tracker store's `events.id` of the red-flag message; unique, so reading the same
    # events twice (after a restart, or by a second worker) never makes a second alert.
    Column("flag_event_id", Integer, nullable=False, unique=True),
    Column("flagged_at", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    # JSON: clinicbot.alerts.RedFlagFacts (patient text only when the clinic allows it)
    Column("facts", Text, nullable=False),
)

# The outbox: one row per alert and channel (email, webhook:<name>), sent at most once.
alert_deliveries = Table(
    "alert_deliveries", metadata,
    Column("id", Integer, primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("channel", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # queued, retrying, sent, failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False, index=True),
    # A worker claims a row for one attempt until lease_until; a crashed worker's claim lapses.
    Column("lease_owner", String(128)),
    Column("lease_until", Float),
    Column("last_error", Text),
    Column("sent_at", Float),
    # Sent with every attempt (email Message-ID, webhook Idempotency-Key), so a receiver can
    # recognise the one repeat a crash between "delivered" and "recorded" can cause.
    Column("idempotency_key", String(64), nullable=False, unique=True),
    UniqueConstraint("alert_id", "channel", name="uq_alert_deliveries_alert_channel"),
)

# Named leases: the one alerts worker allowed to read the tracker store and send.
worker_leases = Table(
    "worker_leases", metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(128)),
    Column("lease_until", Float, nullable=False),
    # Tracker-store events up to this id have been read for red flags (and are settled).
    Column("settled_event_id", Integer, nullable=False, default=0),
)
