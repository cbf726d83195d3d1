"""The operator's command line: ``flask --app server tend …``."""
