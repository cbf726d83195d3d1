"""For the people who run Tend: readiness, the schedulers' heartbeat, metrics and logs."""
