"""Request and response models of the push routes (also their OpenAPI schemas)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from server.api import MAX_ROW_ID


class PublicKeyOut(BaseModel):
    """The VAPID public key for ``PushManager.subscribe({applicationServerKey})``."""

    public_key: str


class SubscriptionKeysIn(BaseModel):
    """The keys of a browser push subscription."""

    model_config = ConfigDict(extra="ignore")

    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)


class SubscriptionIn(BaseModel):
    """A browser's ``PushSubscription.toJSON()``."""

    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(max_length=4096)
    expirationTime: float | None = None  # noqa: N815  (the browser's field name)
    keys: SubscriptionKeysIn
    replaces: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ROW_ID,
        description="The device this browser had before its subscription was dropped; it goes.",
    )


class SubscriptionCreatedOut(BaseModel):
    """A stored subscription, as answered to the browser that sent it."""

    id: int
    endpoint: str
    created_at: datetime


class SubscriptionEnvelope(BaseModel):
    """``{"subscription": ...}``."""

    subscription: SubscriptionCreatedOut


class DeviceOut(BaseModel):
    """One device in the settings list."""

    id: int
    endpoint: str
    device_label: str
    created_at: datetime
    last_success_at: datetime | None = Field(description="When a notification last reached it.")
    last_seen_at: datetime | None = Field(
        description="When its browser last showed it still holds this subscription."
    )
    last_failure: str | None = Field(
        description="What went wrong with the last notification, in plain words, if it failed."
    )


class DeviceList(BaseModel):
    """``{"subscriptions": [...]}``."""

    subscriptions: list[DeviceOut]


class TestPushOut(BaseModel):
    """How many devices took the test notification."""

    sent: int
    failed: int


class RemovedDeviceOut(BaseModel):
    """A device Tend stopped sending to because it was silent for weeks."""

    id: int
    device_label: str
    removed_at: datetime


class RemovedDeviceList(BaseModel):
    """``{"removed_devices": [...]}``: not yet told to their owner."""

    removed_devices: list[RemovedDeviceOut]
