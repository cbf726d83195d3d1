"""Privacy in the hand: discreet notifications, the app lock and retention."""
