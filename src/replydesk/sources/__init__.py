"""Review sources: one module per kind behind one protocol (see ``registry``)."""
