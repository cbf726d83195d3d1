"""HTTP routes of the support feature."""

from flask import Blueprint

bp = Blueprint("support", __name__)
