"""Deliveries feature."""
