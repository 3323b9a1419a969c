"""Benchmarks: cold-start import time, warm per-request time, deployment sizes.

Run with ``.venv/bin/python -m bench`` (``make bench``). Kept import-free on purpose: the
baselines live in ``bench.baselines`` and are import-timed, so this package must cost nothing.
"""
