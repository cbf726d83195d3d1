"""Tend's scheduler: a tick that claims due reminders and sends them (``python -m scheduler``).

It imports ``server``; ``server`` never imports it, except the one entry point
(``python -m server``) that may run it embedded.
"""
