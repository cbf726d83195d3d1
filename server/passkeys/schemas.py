"""Request and response models of the passkey routes (they also feed OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from server.api_types import Strict


class WebAuthnOptions(BaseModel):
    """Options for ``navigator.credentials.create()`` or ``.get()``, in WebAuthn's JSON form
    (``PublicKeyCredential.parseCreationOptionsFromJSON`` and friends read it as it is)."""

    model_config = ConfigDict(extra="allow")

    challenge: str = Field(description="base64url; good for one answer within five minutes")


class CredentialIn(Strict):
    """The browser's answer: ``PublicKeyCredential.toJSON()``."""

    credential: dict[str, Any]


class RegisterPasskeyIn(CredentialIn):
    """A new passkey and, optionally, a name to tell it apart ("Work phone")."""

    name: str | None = Field(default=None, max_length=80)


class PasskeyOut(BaseModel):
    """One passkey as the person sees it in Settings."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


class PasskeyEnvelope(BaseModel):
    """``{"passkey": …}``."""

    passkey: PasskeyOut


class PasskeyList(BaseModel):
    """``{"passkeys": [...]}``, oldest first."""

    passkeys: list[PasskeyOut]
