"""Coverage-guided fuzzing of partialjson (atheris) and the invariants it checks: see README.md."""
