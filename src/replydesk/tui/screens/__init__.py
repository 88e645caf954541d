"""Screens: one per place a user works."""
