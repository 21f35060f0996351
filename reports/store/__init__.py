"""The month folder on disk: what is in it, and how it changes safely."""
