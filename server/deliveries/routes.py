"""HTTP routes of the deliveries feature."""

from flask import Blueprint

bp = Blueprint("deliveries", __name__)
