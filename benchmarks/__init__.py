"""Benchmarks of the product against the sandbox (never imported by the product)."""
