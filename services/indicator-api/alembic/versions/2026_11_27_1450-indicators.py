"""indicators: the catalogue (every figure of the 2025 Q1–Q3 report), values, targets, tech contracts

Revision ID: 0003_indicators
Revises: 0002_registry
Create Date: 2026-11-27 14:46:46.659354
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import daye_kit.money

revision: str = "0003_indicators"
down_revision: str | None = "0002_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# code, name, unit, category, accumulation, additive, higher_is_better, numerator, denominator
CATALOGUE = [
    ("rd_expenditure", "全社会研发投入", "亿元", "研发活动", "cumulative", True, True, None, None),
    ("rd_personnel", "规上企业研发人员", "人", "研发活动", "stock", True, True, None, None),
    ("new_product_sales", "规上企业新产品销售收入", "亿元", "研发活动", "cumulative", True, True, None, None),
    ("rd_institutions", "规上企业研发机构数", "个", "研发活动", "stock", True, True, None, None),
    ("tech_contract_turnover", "技术合同成交额", "亿元", "成果转化", "cumulative", True, True, None, None),
    ("hte_applications", "高新技术企业申报数", "家", "企业培育", "cumulative", True, True, None, None),
    ("tech_sme_registered", "科技型中小企业入库数", "家", "企业培育", "cumulative", True, True, None, None),
    ("hte_net_increase", "高新技术企业净增", "家", "企业培育", "cumulative", True, True, None, None),
    (
        "new_species_enterprises",
        "湖北省科创“新物种”企业总数",
        "家",
        "企业培育",
        "stock",
        True,
        True,
        None,
        None,
    ),
    (
        "supply_chain_demands_posted",
        "科创供应链发布需求",
        "项",
        "科创供应链",
        "cumulative",
        True,
        True,
        None,
        None,
    ),
    (
        "supply_chain_demands_matched",
        "科创供应链对接成功需求",
        "项",
        "科创供应链",
        "cumulative",
        True,
        True,
        None,
        None,
    ),
    (
        "supply_chain_match_rate",
        "需求对接率",
        "%",
        "科创供应链",
        "ratio",
        False,
        True,
        "supply_chain_demands_matched",
        "supply_chain_demands_posted",
    ),
    ("matchmaking_events", "产学研对接活动", "场", "成果转化", "cumulative", True, True, None, None),
    ("policy_funds_outstanding", "未兑现政策资金", "万元", "资金兑现", "stock", True, False, None, None),
    ("sci_tech_loans_credit", "科技金融授信", "亿元", "科技金融", "cumulative", True, True, None, None),
    (
        "sci_tech_loans_disbursed",
        "科技金融贷款实际发放",
        "亿元",
        "科技金融",
        "cumulative",
        True,
        True,
        None,
        None,
    ),
    (
        "sci_tech_loan_drawdown_rate",
        "科技金融授信提款率",
        "%",
        "科技金融",
        "ratio",
        False,
        True,
        "sci_tech_loans_disbursed",
        "sci_tech_loans_credit",
    ),
    ("innovation_vouchers", "省科技创新券", "万元", "科技金融", "cumulative", True, True, None, None),
    (
        "provincial_project_funds",
        "省级科技计划项目资金",
        "万元",
        "科技金融",
        "cumulative",
        True,
        True,
        None,
        None,
    ),
    ("fiscal_st_spending_share", "财政科学技术支出占比", "%", "科技投入", "stock", False, True, None, None),
    ("provincial_platforms", "省级创新创业平台总数", "家", "平台与人才", "stock", True, True, None, None),
    (
        "high_level_talent_new",
        "新引进高学历高层次人才",
        "人",
        "平台与人才",
        "cumulative",
        True,
        True,
        None,
        None,
    ),
    ("graduates_new", "新增高校毕业生", "人", "平台与人才", "cumulative", True, True, None, None),
    ("talent_teams", "储备优秀人才团队", "个", "平台与人才", "stock", True, True, None, None),
    ("agri_tech_commissioners", "农业科技特派员", "人", "平台与人才", "stock", True, True, None, None),
]


def upgrade() -> None:
    indicators = op.create_table(
        "indicators",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("accumulation", sa.String(length=16), nullable=False),
        sa.Column("additive", sa.Boolean(), nullable=False),
        sa.Column("higher_is_better", sa.Boolean(), nullable=False),
        sa.Column("numerator_code", sa.String(length=64), nullable=True),
        sa.Column("denominator_code", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "accumulation <> 'ratio' OR (numerator_code IS NOT NULL AND denominator_code IS NOT NULL)",
            name=op.f("ck_indicators_ratio_has_terms"),
        ),
        sa.CheckConstraint(
            "accumulation IN ('cumulative', 'stock', 'ratio')", name=op.f("ck_indicators_accumulation_known")
        ),
        sa.ForeignKeyConstraint(
            ["denominator_code"], ["indicators.code"], name=op.f("fk_indicators_denominator_code_indicators")
        ),
        sa.ForeignKeyConstraint(
            ["numerator_code"], ["indicators.code"], name=op.f("fk_indicators_numerator_code_indicators")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_indicators")),
    )
    op.bulk_insert(
        indicators,
        [
            {
                "code": code,
                "name": name,
                "unit": unit,
                "category": category,
                "accumulation": accumulation,
                "additive": additive,
                "higher_is_better": higher,
                "numerator_code": numerator,
                "denominator_code": denominator,
                "description": "",
            }
            for code, name, unit, category, accumulation, additive, higher, numerator, denominator in CATALOGUE
        ],
    )
    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period_type", sa.String(length=8), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", daye_kit.money.ExactDecimal(places=4, precision=24), nullable=False),
        sa.Column("provenance", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "period_type IN ('year', 'quarter', 'month')", name=op.f("ck_indicator_values_period_type_known")
        ),
        sa.CheckConstraint(
            "provenance IN ('statistics', 'administrative', 'preliminary')",
            name=op.f("ck_indicator_values_provenance_known"),
        ),
        sa.ForeignKeyConstraint(
            ["indicator_code"],
            ["indicators.code"],
            name=op.f("fk_indicator_values_indicator_code_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_indicator_values_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_values")),
        sa.UniqueConstraint(
            "indicator_code",
            "region_code",
            "year",
            "period_type",
            "period",
            "revision",
            name=op.f("uq_indicator_values_indicator_code_region_code_year_period_type_period_revision"),
        ),
    )
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.create_index(
            "ix_indicator_values_lookup", ["indicator_code", "region_code", "period_end"], unique=False
        )

    op.create_table(
        "targets",
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", daye_kit.money.ExactDecimal(places=4, precision=24), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_code"],
            ["indicators.code"],
            name=op.f("fk_targets_indicator_code_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_targets_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("indicator_code", "region_code", "year", name=op.f("pk_targets")),
    )
    op.create_table(
        "tech_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("amount", daye_kit.money.Money(), nullable=False),
        sa.Column("contract_type", sa.String(length=16), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "contract_type IN ('development', 'transfer', 'consulting', 'service')",
            name=op.f("ck_tech_contracts_type_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_tech_contracts_amount_positive")),
        sa.ForeignKeyConstraint(
            ["credit_code"],
            ["enterprises.credit_code"],
            name=op.f("fk_tech_contracts_credit_code_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_tech_contracts_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tech_contracts")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_tech_contracts_source_source_id")),
    )
    with op.batch_alter_table("tech_contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tech_contracts_credit_code"), ["credit_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tech_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tech_contracts_credit_code"))

    op.drop_table("tech_contracts")
    op.drop_table("targets")
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_values_lookup")

    op.drop_table("indicator_values")
    op.drop_table("indicators")
