"""Passkeys (WebAuthn): add one in Settings, sign in with it, unlock the app lock with it."""
