"""Insights feature."""
