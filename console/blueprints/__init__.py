"""The console's pages, one Flask blueprint per area (each module exposes `bp`).

A new area: add `console/blueprints/<area>.py` with `bp = Blueprint("<area>", __name__)`
and append it to BLUEPRINTS. Every view needs an access rule (`shared.requires`), or
the app refuses to start.
"""
from console.blueprints import (alerts, analytics, audit, auth, callbacks, conversations,
                                corrections, handoff, red_flags, retraining, users)

BLUEPRINTS = [
    auth.bp,
    conversations.bp,
    red_flags.bp,
    handoff.bp,
    callbacks.bp,
    corrections.bp,
    analytics.bp,
    retraining.bp,
    users.bp,
    audit.bp,
    alerts.bp,
]
