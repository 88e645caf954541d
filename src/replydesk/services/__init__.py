"""Services: what the CLI and the TUI both call. No SQL here (that is ``store/``), no UI."""
