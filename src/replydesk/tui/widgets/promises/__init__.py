"""Widgets of the promises board."""
