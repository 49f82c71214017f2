"""Evaluation harness: scoring summaries and translations against references."""
