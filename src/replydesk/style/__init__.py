"""House style: the linter and its per-language rule packs."""
