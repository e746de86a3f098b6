"""Signals other apps listen to (apps higher up the stack react without this app importing them)."""

from django.dispatch import Signal

# Sent inside the transaction that withdraws a registration; `registration` is the withdrawn one.
registration_withdrawn = Signal()
