"""The base of indicator-api's tables: its own metadata, with the platform's naming convention."""

from sqlmodel import SQLModel

from daye_kit.db import new_registry


class Table(SQLModel, registry=new_registry()):
    pass


metadata = Table.metadata
