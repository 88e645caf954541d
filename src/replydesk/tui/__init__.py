"""The Textual workstation. It calls services; it holds no business logic of its own."""
