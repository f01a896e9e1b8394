# The 0.4.0-style scripts are data for test_code_040.py, not tests.
collect_ignore = ["code_040"]
