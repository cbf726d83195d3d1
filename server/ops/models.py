"""The schedulers' heartbeat: one row per scheduler process, rewritten as it ticks."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from server.db import UTCDateTime


class SchedulerHeartbeat(SQLModel, table=True):
    """When one scheduler process last ticked, and what it saw then."""

    __tablename__ = "scheduler_heartbeats"

    # "host:pid:started" — unique per process, so a restarted scheduler gets a new row.
    process: str = Field(primary_key=True, max_length=200)
    host: str = Field(max_length=120)
    pid: int
    started_at: datetime = Field(sa_type=UTCDateTime)
    last_tick_at: datetime = Field(sa_type=UTCDateTime, index=True)
    last_batch: int = Field(default=0)
    backlog: int = Field(default=0)
