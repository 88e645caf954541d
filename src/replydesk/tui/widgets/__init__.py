"""Widgets, grouped by the screen that uses them."""
