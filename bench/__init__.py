"""Benchmarks of segmentation/: run them with ``python bench/run.py`` (see bench/README.md)."""
