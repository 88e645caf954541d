"""The bundled demo: sample reviews in six languages, offline."""
