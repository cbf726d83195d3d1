"""The monthly look back: eight questions answered once a month, shown side by side."""
