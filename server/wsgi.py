"""WSGI entry for production servers (``gunicorn server.wsgi:app``); never starts a scheduler."""

from server import create_app

app = create_app()
