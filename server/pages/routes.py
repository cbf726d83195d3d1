"""HTTP routes of the pages feature."""

from flask import Blueprint

bp = Blueprint("pages", __name__)
