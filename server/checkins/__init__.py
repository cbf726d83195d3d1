"""Checkins feature."""
