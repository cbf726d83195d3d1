"""Exercises feature: short guided exercises and how the user felt after them."""
