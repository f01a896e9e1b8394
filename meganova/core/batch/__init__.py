"""Bulk runs, sans-I/O: what a request line means, the shared rate budget, the verdict
after a failed attempt, resume bookkeeping and the summary. ``meganova.batch`` is the
driver that performs them (tasks, waits, file writes, progress)."""
