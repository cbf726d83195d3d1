"""Moments feature."""
