"""Triage: provocation or criticism, with the evidence that decided it."""
