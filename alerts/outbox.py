"""The durable outbox in the staff database: alerts, their deliveries, the worker's lease.

Every change is one conditional UPDATE or INSERT, so it is safe on SQLite and
PostgreSQL with any number of workers:
- the worker lease (`worker_leases`) lets one worker read red flags and send;
- a delivery is claimed for one attempt (lease_owner/lease_until) before it is
  sent; a crashed worker's claim lapses and the attempt is retried;
- an alert is unique per red-flag event, so reading the same events twice never
  makes a second alert.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from clinicbot.alerts import RedFlagFacts
from console.staff_tables import alert_deliveries, alerts, conversation_status, worker_leases

WORKER_LEASE = "alerts-worker"
UNSET = -1  # settled_event_id before the first read of the tracker store
QUEUED, RETRYING, SENT, FAILED = "queued", "retrying", "sent", "failed"
PENDING = (QUEUED, RETRYING)


class LeaseLost(RuntimeError):
    """Another worker holds the lease now; this one must stop writing."""


# --- the worker lease -------------------------------------------------------------------


def acquire_lease(engine: Engine, owner: str, seconds: float, now: Optional[float] = None) -> bool:
    """Takes or renews the worker lease; False while another worker holds it."""
    now = time.time() if now is None else now
    with engine.begin() as conn:
        taken = conn.execute(
            update(worker_leases)
            .where(
                worker_leases.c.name == WORKER_LEASE,
                or_(worker_leases.c.owner == owner, worker_leases.c.lease_until < now),
            )
            .values(owner=owner, lease_until=now + seconds)
        ).rowcount
    if taken == 1:
        return True
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(worker_leases).values(
                    name=WORKER_LEASE, owner=owner, lease_until=now + seconds, settled_event_id=UNSET
                )
            )
        return True
    except IntegrityError:
        return False


def release_lease(engine: Engine, owner: str) -> None:
    """On a clean stop: the next worker need not wait for the lease to lapse."""
    with engine.begin() as conn:
        conn.execute(
            update(worker_leases)
            .where(worker_leases.c.name == WORKER_LEASE, worker_leases.c.owner == owner)
            .values(lease_until=0.0)
        )


def _fence(conn: Connection, owner: str, seconds: float) -> None:
    """Renews the lease inside a writing transaction, or raises LeaseLost.

    On PostgreSQL the UPDATE locks the lease row until the transaction ends, so a
    worker taking over waits for this write to finish rather than racing it."""
    renewed = conn.execute(
        update(worker_leases)
        .where(worker_leases.c.name == WORKER_LEASE, worker_leases.c.owner == owner)
        .values(lease_until=time.time() + seconds)
    ).rowcount
    if renewed != 1:
        raise LeaseLost(owner)


def settled_event_id(engine: Engine) -> int:
    with engine.connect() as conn:
        value = conn.execute(
            select(worker_leases.c.settled_event_id).where(worker_leases.c.name == WORKER_LEASE)
        ).scalar()
    return UNSET if value is None else int(value)


def set_settled_event_id(engine: Engine, owner: str, lease_seconds: float, event_id: int) -> None:
    with engine.begin() as conn:
        _fence(conn, owner, lease_seconds)
        conn.execute(
            update(worker_leases)
            .where(worker_leases.c.name == WORKER_LEASE)
            .values(settled_event_id=event_id)
        )


# --- alerts -----------------------------------------------------------------------------


def known_flag_events(engine: Engine, event_ids: Sequence[int]) -> set:
    if not event_ids:
        return set()
    with engine.connect() as conn:
        return {
            r[0]
            for r in conn.execute(
                select(alerts.c.flag_event_id).where(alerts.c.flag_event_id.in_(list(event_ids)))
            )
        }


def marked_as_test(engine: Engine, sender_id: str) -> bool:
    """Staff marked the conversation as a test (the console's test-conversation button)."""
    with engine.connect() as conn:
        return (
            conn.execute(
                select(conversation_status.c.marked_test_at).where(
                    conversation_status.c.sender_id == sender_id
                )
            ).scalar()
            is not None
        )


def episode_started_at(engine: Engine, sender_id: str) -> Optional[float]:
    """When the conversation's latest alert was raised (the start of its latest episode)."""
    with engine.connect() as conn:
        return conn.execute(
            select(func.max(alerts.c.flagged_at)).where(alerts.c.sender_id == sender_id)
        ).scalar()


def add_alert(
    engine: Engine,
    owner: str,
    lease_seconds: float,
    sender_id: str,
    flag_event_id: int,
    facts: RedFlagFacts,
    channels: Sequence[str],
) -> Optional[int]:
    """The alert and one queued delivery per channel, in one transaction; None if it exists."""
    now = time.time()
    try:
        with engine.begin() as conn:
            _fence(conn, owner, lease_seconds)
            alert_id = conn.execute(
                insert(alerts).values(
                    sender_id=sender_id,
                    flag_event_id=flag_event_id,
                    flagged_at=facts.flagged_at,
                    created_at=now,
                    facts=json.dumps(facts.to_dict()),
                )
            ).inserted_primary_key[0]
            for channel in channels:
                conn.execute(
                    insert(alert_deliveries).values(
                        alert_id=alert_id,
                        channel=channel,
                        status=QUEUED,
                        attempts=0,
                        next_attempt_at=now,
                        idempotency_key=uuid.uuid4().hex,
                    )
                )
        return int(alert_id)
    except IntegrityError:
        return None


# --- deliveries -------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    id: int
    alert_id: int
    channel: str
    attempts: int  # including the one just claimed
    idempotency_key: str
    sender_id: str
    facts: RedFlagFacts


def _due(now: float):
    return and_(
        alert_deliveries.c.status.in_(PENDING),
        alert_deliveries.c.next_attempt_at <= now,
        or_(alert_deliveries.c.lease_until.is_(None), alert_deliveries.c.lease_until < now),
    )


def claim_next(engine: Engine, owner: str, claim_seconds: float) -> Optional[Delivery]:
    """Claims the delivery that has waited longest, for one attempt; None if none is due."""
    now = time.time()
    with engine.connect() as conn:
        candidates = [
            r[0]
            for r in conn.execute(
                select(alert_deliveries.c.id)
                .where(_due(now))
                .order_by(alert_deliveries.c.next_attempt_at, alert_deliveries.c.id)
                .limit(5)
            )
        ]
    for delivery_id in candidates:
        with engine.begin() as conn:
            claimed = conn.execute(
                update(alert_deliveries)
                .where(alert_deliveries.c.id == delivery_id, _due(now))
                .values(
                    lease_owner=owner,
                    lease_until=now + claim_seconds,
                    attempts=alert_deliveries.c.attempts + 1,
                )
            ).rowcount
            if claimed != 1:
                continue  # another worker took it first
            row = conn.execute(
                select(alert_deliveries, alerts.c.sender_id, alerts.c.facts)
                .join(alerts, alerts.c.id == alert_deliveries.c.alert_id)
                .where(alert_deliveries.c.id == delivery_id)
            ).one()
        return Delivery(
            row.id,
            row.alert_id,
            row.channel,
            row.attempts,
            row.idempotency_key,
            row.sender_id,
            RedFlagFacts.from_dict(json.loads(row.facts)),
        )
    return None


def record_sent(engine: Engine, delivery_id: int, note: Optional[str] = None) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(alert_deliveries)
            .where(alert_deliveries.c.id == delivery_id)
            .values(status=SENT, sent_at=time.time(), lease_owner=None, lease_until=None, last_error=note)
        )


def record_failure(engine: Engine, delivery_id: int, error: str, give_up: bool, retry_in: float) -> str:
    status = FAILED if give_up else RETRYING
    with engine.begin() as conn:
        conn.execute(
            update(alert_deliveries)
            .where(alert_deliveries.c.id == delivery_id, alert_deliveries.c.status != SENT)
            .values(
                status=status,
                last_error=error[:2000],
                lease_owner=None,
                lease_until=None,
                next_attempt_at=time.time() + retry_in,
            )
        )
    return status


# --- what the console shows -------------------------------------------------------------


@dataclass
class DeliveryStatus:
    channel: str
    status: str
    attempts: int
    next_attempt_at: float
    last_error: Optional[str]
    sent_at: Optional[float]
    sending: bool


@dataclass
class AlertStatus:
    id: int
    sender_id: str
    flagged_at: float
    created_at: float
    facts: Dict[str, Any]
    deliveries: List[DeliveryStatus] = field(default_factory=list)

    @property
    def status(self) -> str:
        """failed > retrying > queued > sent; "no channel" when the clinic set none."""
        states = {d.status for d in self.deliveries}
        if not states:
            return "no channel"
        for state in (FAILED, RETRYING, QUEUED):
            if state in states:
                return state
        return SENT


def _statuses(engine: Engine, where) -> List[AlertStatus]:
    now = time.time()
    with engine.connect() as conn:
        found: Dict[int, AlertStatus] = {}
        for row in conn.execute(select(alerts).where(where).order_by(alerts.c.id.desc())):
            found[row.id] = AlertStatus(
                row.id, row.sender_id, row.flagged_at, row.created_at, json.loads(row.facts)
            )
        if found:
            for row in conn.execute(
                select(alert_deliveries)
                .where(alert_deliveries.c.alert_id.in_(list(found)))
                .order_by(alert_deliveries.c.id)
            ):
                found[row.alert_id].deliveries.append(
                    DeliveryStatus(
                        row.channel,
                        row.status,
                        row.attempts,
                        row.next_attempt_at,
                        row.last_error,
                        row.sent_at,
                        bool(row.lease_until and row.lease_until > now),
                    )
                )
    return list(found.values())


def alert(engine: Engine, alert_id: int) -> Optional[AlertStatus]:
    found = _statuses(engine, alerts.c.id == alert_id)
    return found[0] if found else None


def alerts_for_sender(engine: Engine, sender_id: str) -> List[AlertStatus]:
    """Newest first."""
    return _statuses(engine, alerts.c.sender_id == sender_id)


def latest_alerts(engine: Engine, senders: Iterable[str]) -> Dict[str, AlertStatus]:
    senders = sorted(set(senders))
    if not senders:
        return {}
    latest: Dict[str, AlertStatus] = {}
    for alert in _statuses(engine, alerts.c.sender_id.in_(senders)):
        latest.setdefault(alert.sender_id, alert)
    return latest


def failed_alerts(engine: Engine) -> List[AlertStatus]:
    failing = select(alert_deliveries.c.alert_id).where(alert_deliveries.c.status == FAILED)
    return _statuses(engine, alerts.c.id.in_(failing))


def retry_failed(engine: Engine, alert_id: int) -> int:
    """Staff asked to try a failed alert again (e.g. after fixing the SMTP settings)."""
    with engine.begin() as conn:
        return conn.execute(
            update(alert_deliveries)
            .where(alert_deliveries.c.alert_id == alert_id, alert_deliveries.c.status == FAILED)
            .values(
                status=RETRYING, attempts=0, next_attempt_at=time.time(), lease_owner=None, lease_until=None
            )
        ).rowcount


def erase_senders(conn: Connection, senders: Sequence[str]) -> int:
    """Alerts of erased conversations (deliveries go with them)."""
    ids = select(alerts.c.id).where(alerts.c.sender_id.in_(list(senders)))
    deleted = conn.execute(delete(alert_deliveries).where(alert_deliveries.c.alert_id.in_(ids))).rowcount
    return deleted + conn.execute(delete(alerts).where(alerts.c.sender_id.in_(list(senders)))).rowcount
