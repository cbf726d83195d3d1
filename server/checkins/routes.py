"""HTTP routes of the checkins feature."""

from flask import Blueprint

bp = Blueprint("checkins", __name__)
