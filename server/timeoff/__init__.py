"""Timeoff feature."""
