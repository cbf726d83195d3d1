"""HTTP routes of the insights feature."""

from flask import Blueprint

bp = Blueprint("insights", __name__)
