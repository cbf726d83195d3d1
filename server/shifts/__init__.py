"""Shifts: working hours that follow a roster instead of one weekly pattern."""
