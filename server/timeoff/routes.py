"""HTTP routes of the timeoff feature."""

from flask import Blueprint

bp = Blueprint("timeoff", __name__)
