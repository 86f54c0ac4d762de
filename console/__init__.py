"""The representative console: Textual app, item store, plain mode and CLI."""
