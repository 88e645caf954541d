"""`python -m replydesk` runs the same command line as the `replydesk` script."""

from replydesk.cli import main

if __name__ == "__main__":  # run, not merely imported
    raise SystemExit(main())
