"""A live form: a Pydantic model's JSON Schema rendered as a form that fills as the answer
streams. Run ``python -m examples.live_form`` and open http://127.0.0.1:8000."""
