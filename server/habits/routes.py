"""HTTP routes of the habits feature."""

from flask import Blueprint

bp = Blueprint("habits", __name__)
