"""The alerts worker loop: read red flags, fill the outbox, deliver, retry."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from collections import deque
from typing import Deque, Optional, Set, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from alerts import outbox, source
from alerts.channels import DeliveryError, post_webhook, send_email, webhook_payload
from alerts.outbox import Delivery, LeaseLost
from alerts.settings import WorkerSettings
from console.tracker import has_events_table
from clinicbot.alerts import (
    EMAIL_CHANNEL,
    callback_left,
    compose,
    facts_from_message,
    retry_delay,
    starts_new_episode,
)

log = logging.getLogger("alerts")
FLAGS_PER_POLL = 500


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Worker:
    def __init__(
        self, settings: WorkerSettings, tracker: Engine, staff: Engine, owner: Optional[str] = None
    ) -> None:
        self.settings = settings
        self.tracker = tracker
        self.staff = staff
        self.owner = owner or worker_id()
        self.tz = ZoneInfo(settings.clinic_timezone)
        self.stopping = threading.Event()
        self.leading: Optional[bool] = None  # None until the first poll
        self._read: Set[int] = set()  # red-flag events handled since the settled mark
        self._events_table = False
        # (when, newest event id) as this worker saw them: what may be settled, and when.
        self._seen_ids: Deque[Tuple[float, int]] = deque()

    # --- the loop -----------------------------------------------------------------------

    def run(self) -> None:
        log.info(
            "alerts worker %s: channels %s, polling every %gs",
            self.owner,
            ", ".join(self.settings.alerts.channels) or "none (alerts only shown in the console)",
            self.settings.poll_seconds,
        )
        while not self.stopping.is_set():
            try:
                self.run_once()
            except LeaseLost:
                log.warning("another worker took the lease; standing by")
                self.leading = False
            except SQLAlchemyError as error:
                # A database that is away (restart, failover) is waited for, never fatal.
                log.error(
                    "database error, retrying in %gs: %s",
                    self.settings.poll_seconds,
                    str(error).splitlines()[0],
                )
            except Exception:  # one bad poll must not stop every later alert
                log.exception("unexpected error; the worker carries on")
            self.stopping.wait(self.settings.poll_seconds)
        if self.leading:
            try:
                outbox.release_lease(self.staff, self.owner)
            except SQLAlchemyError:
                pass
        log.info("alerts worker %s stopped", self.owner)

    def run_once(self) -> bool:
        """One poll; False when another worker holds the lease."""
        s = self.settings
        leading = outbox.acquire_lease(self.staff, self.owner, s.lease_seconds)
        if leading != self.leading:
            log.info(
                "alerts worker %s %s",
                self.owner,
                "holds the lease: reading red flags and sending"
                if leading
                else "is on standby: another worker is reading red flags and sending",
            )
            self.leading = leading
            self._read.clear()
            self._seen_ids.clear()  # what another worker settled meanwhile is not ours to know
        if not leading:
            return False
        self.raise_alerts()
        self.deliver_due()
        return True

    # --- from stored red flags to alerts ------------------------------------------------

    def raise_alerts(self) -> int:
        """New alerts for red flags in the tracker store; returns how many.

        Every event above the settled id is read each poll (already handled red flags are
        skipped). The settled id only moves up to the newest id this worker saw at least
        ALERTS_SETTLE_SECONDS ago: an id is taken when a row is inserted, and a save may
        commit later than a row with a higher id (another instance, or a spool written
        back after a database outage, whose rows keep their old timestamps), so event
        timestamps cannot say which rows are final; time since this worker saw the id can.
        """
        s = self.settings
        if not self._tracker_ready():
            return 0
        now = time.time()
        self._seen_ids.append((now, source.newest_event_id(self.tracker)))
        settle_to = 0
        while self._seen_ids and self._seen_ids[0][0] <= now - s.settle_seconds:
            settle_to = self._seen_ids.popleft()[1]
        settled = outbox.settled_event_id(self.staff)
        if settled == outbox.UNSET:
            # First run on this database: red flags from before the settle window are
            # history, not emergencies, and are not alerted.
            settled = source.newest_event_id_before(self.tracker, now - s.settle_seconds)
            outbox.set_settled_event_id(self.staff, self.owner, s.lease_seconds, settled)
            log.info("first run: reading red flags after tracker event %d", settled)
        flags = source.red_flags_after(self.tracker, settled, FLAGS_PER_POLL, self._read)
        if len(flags) == FLAGS_PER_POLL:
            settle_to = min(settle_to, flags[-1].event_id)  # the rest next poll, none skipped
        known = outbox.known_flag_events(self.staff, [f.event_id for f in flags])
        raised = 0
        for flag in flags:
            if flag.event_id not in known and self._raise(flag):
                raised += 1
            self._read.add(flag.event_id)
        if settle_to > settled:
            outbox.set_settled_event_id(self.staff, self.owner, s.lease_seconds, settle_to)
            self._read = {event_id for event_id in self._read if event_id > settle_to}
        return raised

    def _tracker_ready(self) -> bool:
        """Rasa makes the events table when it first starts; until then there is nothing to read."""
        if not self._events_table:
            self._events_table = has_events_table(self.tracker)
        return self._events_table

    def _raise(self, flag: source.StoredRedFlag) -> bool:
        s = self.settings
        if flag.sender_id.startswith(s.test_sender_prefixes) or outbox.marked_as_test(
            self.staff, flag.sender_id
        ):
            log.info("no alert for test conversation (event %d)", flag.event_id)
            return False
        started = outbox.episode_started_at(self.staff, flag.sender_id)
        if not starts_new_episode(started, flag.timestamp, s.alerts.episode_seconds):
            return False
        context = source.flag_context(self.tracker, flag)
        if context is None:
            return False  # erased before it was read
        day = dt.datetime.fromtimestamp(flag.timestamp, self.tz).date()
        facts = facts_from_message(
            context.conversation_id,
            flag.timestamp,
            context.message,
            context.treatment_date,
            day,
            s.alerts.include_patient_text,
        )
        alert_id = outbox.add_alert(
            self.staff, self.owner, s.lease_seconds, flag.sender_id, flag.event_id, facts, s.alerts.channels
        )
        if alert_id is not None:
            log.info(
                "alert %d raised for conversation %d (%s)",
                alert_id,
                facts.conversation_id,
                ", ".join(facts.symptoms) or ", ".join(facts.decided_by),
            )
        return alert_id is not None

    # --- deliveries ---------------------------------------------------------------------

    def deliver_due(self) -> int:
        """Sends every due delivery, one claim at a time; returns how many were sent."""
        s = self.settings
        sent = 0
        while not self.stopping.is_set():
            if not outbox.acquire_lease(self.staff, self.owner, s.lease_seconds):
                raise LeaseLost(self.owner)
            delivery = outbox.claim_next(self.staff, self.owner, s.claim_seconds)
            if delivery is None:
                return sent
            sent += self._deliver(delivery)
        return sent

    def _deliver(self, delivery: Delivery) -> int:
        s = self.settings
        try:
            try:
                note = self.send(delivery)
            except DeliveryError:
                raise
            except Exception as error:  # recorded and retried, never a stuck claim
                log.exception("alert %d via %s: unexpected error", delivery.alert_id, delivery.channel)
                raise DeliveryError(f"unexpected {type(error).__name__}: {error}") from None
        except DeliveryError as error:
            give_up = error.permanent or delivery.attempts >= s.max_attempts
            delay = retry_delay(delivery.attempts, s.retry_base_seconds, s.retry_max_seconds)
            status = outbox.record_failure(self.staff, delivery.id, str(error), give_up, delay)
            log.warning(
                "alert %d via %s, attempt %d: %s -> %s%s",
                delivery.alert_id,
                delivery.channel,
                delivery.attempts,
                error,
                status,
                "" if give_up else f", next attempt in {delay:g}s",
            )
            return 0
        # The window for a repeat: from here until this commit (milliseconds). The
        # Message-ID / Idempotency-Key lets the receiving side drop such a repeat.
        outbox.record_sent(self.staff, delivery.id, note)
        log.info("alert %d sent via %s (attempt %d)", delivery.alert_id, delivery.channel, delivery.attempts)
        return 1

    def send(self, delivery: Delivery) -> Optional[str]:
        s = self.settings
        try:
            slots = source.callback_slot_values(self.tracker, delivery.sender_id)
            left: Optional[bool] = callback_left(slots)
        except SQLAlchemyError:
            left = None  # the alert matters more than this detail
        message = compose(
            delivery.facts, s.clinic_name, s.console_link(delivery.facts.conversation_id), self.tz, left
        )
        if delivery.channel == EMAIL_CHANNEL:
            if s.smtp is None or not s.alerts.on_call:
                raise DeliveryError("no on-call contacts are configured any more", permanent=True)
            return send_email(
                s.smtp, s.alerts.on_call, message, delivery.idempotency_key, s.send_timeout_seconds
            )
        hook = s.alerts.webhook(delivery.channel)
        url = s.webhook_urls.get(delivery.channel)
        if hook is None or not url:
            raise DeliveryError(f"{delivery.channel} is no longer configured", permanent=True)
        post_webhook(
            url,
            webhook_payload(message, delivery.idempotency_key, hook.format),
            delivery.idempotency_key,
            s.send_timeout_seconds,
        )
        return None
