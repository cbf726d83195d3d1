"""Push feature."""
