"""Command handlers, grouped by what they work on; cli.py only parses and dispatches."""
