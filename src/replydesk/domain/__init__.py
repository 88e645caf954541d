"""The domain: typed values, the promise life cycle, errors. Imports nothing of replydesk's
but itself, so every other layer can build on it."""
