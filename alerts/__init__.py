"""The red-flag alerts worker: `python -m alerts` (README "Red-flag alerts").

Reads red flags from what the bot stored (the tracker store's `events` table),
writes one alert per conversation per episode into a durable outbox in the
staff console's database, and delivers it by email (SMTP) and JSON webhooks,
with retries. Only the worker holding the lease row does this, so any number of
Rasa instances (and spare workers) give exactly one alert.
"""
