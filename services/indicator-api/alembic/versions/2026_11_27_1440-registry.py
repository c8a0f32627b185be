"""registry: reporting units (Daye and its 17 units), enterprises and their qualifications

Revision ID: 0002_registry
Revises: 0001_identity
Create Date: 2026-11-27 14:38:53.955581
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_registry"
down_revision: str | None = "0001_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAYE_UNITS = [
    ("001", "东岳路街道", "街道"),
    ("002", "东风路街道", "街道"),
    ("003", "金湖街道", "街道"),
    ("004", "罗家桥街道", "街道"),
    ("005", "金山街道", "街道"),
    ("101", "金牛镇", "镇"),
    ("102", "保安镇", "镇"),
    ("103", "灵乡镇", "镇"),
    ("104", "金山店镇", "镇"),
    ("105", "还地桥镇", "镇"),
    ("106", "殷祖镇", "镇"),
    ("107", "汪仁镇", "镇"),
    ("108", "刘仁八镇", "镇"),
    ("109", "陈贵镇", "镇"),
    ("110", "大箕铺镇", "镇"),
    ("201", "茗山乡", "乡"),
    ("401", "大冶湖高新区", "园区"),
]


def upgrade() -> None:
    regions = op.create_table(
        "regions",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent_code", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["regions.code"], name=op.f("fk_regions_parent_code_regions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regions_parent_code"), ["parent_code"], unique=False)
    # Daye's reporting units, as in shared/reference/daye-regions.md (codes assigned by this project).
    op.bulk_insert(
        regions,
        [{"code": "420281", "name": "大冶市", "kind": "市", "parent_code": None}]
        + [
            {"code": f"420281{suffix}", "name": name, "kind": kind, "parent_code": "420281"}
            for suffix, name, kind in DAYE_UNITS
        ],
    )

    op.create_table(
        "enterprises",
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("industry", sa.String(length=64), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_enterprises_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("credit_code", name=op.f("pk_enterprises")),
    )
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprises_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprises_region_code"), ["region_code"], unique=False)

    op.create_table(
        "qualifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("granted_year", sa.Integer(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("certificate_no", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "kind IN ('tech_sme', 'hte', 'new_species')", name=op.f("ck_qualifications_kind_known")
        ),
        sa.CheckConstraint(
            "expires_on IS NULL OR expires_on >= granted_on",
            name=op.f("ck_qualifications_expiry_after_grant"),
        ),
        sa.ForeignKeyConstraint(
            ["credit_code"],
            ["enterprises.credit_code"],
            name=op.f("fk_qualifications_credit_code_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualifications")),
        sa.UniqueConstraint(
            "credit_code", "kind", "granted_on", name=op.f("uq_qualifications_credit_code_kind_granted_on")
        ),
    )
    with op.batch_alter_table("qualifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qualifications_credit_code"), ["credit_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_qualifications_granted_year"), ["granted_year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("qualifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qualifications_granted_year"))
        batch_op.drop_index(batch_op.f("ix_qualifications_credit_code"))

    op.drop_table("qualifications")
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprises_region_code"))
        batch_op.drop_index(batch_op.f("ix_enterprises_name"))

    op.drop_table("enterprises")
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regions_parent_code"))

    op.drop_table("regions")
