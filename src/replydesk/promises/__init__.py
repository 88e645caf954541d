"""Promises: what replies committed to, until it is delivered (house style P1-P4)."""
