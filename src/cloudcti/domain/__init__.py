"""The pure domain model: numbers, lines and calls, forwarding, presence, journal.

No I/O and no clock: time comes in as an argument (epoch milliseconds, as BroadWorks
sends it; the API layer renders ISO-8601). Import from the modules, e.g.
``from cloudcti.domain.numbers import normalise``.
"""
