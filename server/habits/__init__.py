"""Habits feature."""
