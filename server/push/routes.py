"""HTTP routes of the push feature."""

from flask import Blueprint

bp = Blueprint("push", __name__)
