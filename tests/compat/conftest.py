# The 0.4.0 examples are data for test_examples_040.py, not tests (one is named test_*.py).
collect_ignore = ["examples_040"]
