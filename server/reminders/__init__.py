"""Reminders feature."""
