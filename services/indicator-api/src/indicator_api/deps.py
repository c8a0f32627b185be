"""Request dependencies for what the lifespan builds, as `Annotated` aliases: routers declare what
they need here and never read `request.app.state` themselves."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from daye_kit.app import from_state
from daye_kit.throttling import RateLimits
from indicator_api.config import Settings
from indicator_api.identity.keys import SigningKey
from indicator_api.identity.service import LocalAuthenticator
from indicator_api.peers import FundingClient, MatchingClient

SettingsDep = Annotated[Settings, Depends(from_state("settings"))]
SigningKeyDep = Annotated[SigningKey, Depends(from_state("signing_key"))]
AuthenticatorDep = Annotated[LocalAuthenticator, Depends(from_state("authenticator"))]
RateLimitsDep = Annotated[RateLimits, Depends(from_state("rate_limits"))]
MatchingDep = Annotated[MatchingClient, Depends(from_state("matching"))]
FundingDep = Annotated[FundingClient, Depends(from_state("funding"))]
