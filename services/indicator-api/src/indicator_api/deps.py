"""Request dependencies for what the lifespan builds, as `Annotated` aliases: routers declare what
they need here and never read `request.app.state` themselves."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from indicator_api.config import Settings


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]
