"""HTTP routes of the reminders feature."""

from flask import Blueprint

bp = Blueprint("reminders", __name__)
