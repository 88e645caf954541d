"""`python -m replydesk` runs the same command line as the `replydesk` script."""

from replydesk.cli import main

if __name__ == "__main__":  # not when a worker process (an import's reader) imports it
    raise SystemExit(main())
