"""Batch scoring: stream a registered student over a book, with reasons, rejects and a manifest."""
