"""HTTP routes of the moments feature."""

from flask import Blueprint

bp = Blueprint("moments", __name__)
