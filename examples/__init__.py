"""Runnable examples (``python -m examples.live_form``)."""
