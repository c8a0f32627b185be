"""funding: programmes and rules, awards, disbursements, idempotency records and the append-only ledger

The ledger tables refuse UPDATE and DELETE at the database (triggers on both backends); on PostgreSQL a
deferred constraint trigger also refuses, at commit, any posting whose entries do not sum to zero.

Revision ID: 0002_funding_ledger
Revises: 0001_baseline
Create Date: 2026-11-27 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import daye_kit.money

revision: str = "0002_funding_ledger"
down_revision: str | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("principal", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("principal", "key", name=op.f("uq_idempotency_records_principal_key")),
    )
    op.create_table(
        "programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("source_level", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("budget", daye_kit.money.Money(), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "source_level IN ('province', 'huangshi', 'daye')", name=op.f("ck_programs_source_level_known")
        ),
        sa.CheckConstraint("budget >= 0", name=op.f("ck_programs_budget_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        sa.UniqueConstraint("name", "year", name=op.f("uq_programs_name_year")),
    )
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programs_year"), ["year"], unique=False)

    op.create_table(
        "program_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("qualification", sa.String(length=16), nullable=False),
        sa.Column("granted_year", sa.Integer(), nullable=False),
        sa.Column("amount", daye_kit.money.Money(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "qualification IN ('tech_sme', 'hte', 'new_species')",
            name=op.f("ck_program_rules_qualification_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_program_rules_amount_positive")),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_program_rules_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_rules")),
        sa.UniqueConstraint("program_id", "version", name=op.f("uq_program_rules_program_id_version")),
    )
    with op.batch_alter_table("program_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_program_rules_program_id"), ["program_id"], unique=False)

    op.create_table(
        "awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("enterprise_name", sa.String(length=128), nullable=False),
        sa.Column("region_code", sa.String(length=32), nullable=False),
        sa.Column("amount", daye_kit.money.Money(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("period", sa.Integer(), nullable=True),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("rule_version", sa.Integer(), nullable=True),
        sa.Column("application_no", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_request_id", sa.String(length=128), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_request_id", sa.String(length=128), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "(mode = 'automatic' AND rule_id IS NOT NULL AND period IS NOT NULL) OR (mode = 'application' AND application_no IS NOT NULL)",
            name=op.f("ck_awards_basis_given"),
        ),
        sa.CheckConstraint("mode IN ('automatic', 'application')", name=op.f("ck_awards_mode_known")),
        sa.CheckConstraint(
            "status <> 'approved' OR approved_on IS NOT NULL", name=op.f("ck_awards_approved_on_set")
        ),
        sa.CheckConstraint(
            "status <> 'approved' OR decided_by <> created_by", name=op.f("ck_awards_checker_is_not_maker")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')", name=op.f("ck_awards_status_known")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_awards_amount_positive")),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name=op.f("fk_awards_program_id_programs")),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["program_rules.id"], name=op.f("fk_awards_rule_id_program_rules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awards")),
        sa.UniqueConstraint(
            "program_id", "credit_code", "period", name=op.f("uq_awards_program_id_credit_code_period")
        ),
    )
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_awards_approved_on"), ["approved_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_awards_credit_code"), ["credit_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_awards_program_id"), ["program_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_awards_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_awards_status"), ["status"], unique=False)

    op.create_table(
        "ledger_postings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=True),
        sa.Column("reverses_posting_id", sa.BigInteger(), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("memo", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "kind IN ('budget_allocated', 'award_approved', 'disbursement', 'reversal')",
            name=op.f("ck_ledger_postings_kind_known"),
        ),
        sa.ForeignKeyConstraint(["award_id"], ["awards.id"], name=op.f("fk_ledger_postings_award_id_awards")),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_ledger_postings_program_id_programs")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_posting_id"],
            ["ledger_postings.id"],
            name=op.f("fk_ledger_postings_reverses_posting_id_ledger_postings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
        sa.UniqueConstraint("reverses_posting_id", name=op.f("uq_ledger_postings_reverses_posting_id")),
    )
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_postings_award_id"), ["award_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_postings_program_id"), ["program_id"], unique=False)

    op.create_table(
        "disbursements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("amount", daye_kit.money.Money(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("posting_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_disbursements_amount_positive")),
        sa.ForeignKeyConstraint(["award_id"], ["awards.id"], name=op.f("fk_disbursements_award_id_awards")),
        sa.ForeignKeyConstraint(
            ["posting_id"], ["ledger_postings.id"], name=op.f("fk_disbursements_posting_id_ledger_postings")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_disbursements_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disbursements")),
        sa.UniqueConstraint("posting_id", name=op.f("uq_disbursements_posting_id")),
    )
    with op.batch_alter_table("disbursements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disbursements_award_id"), ["award_id"], unique=False)

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("posting_id", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=True),
        sa.Column("amount", daye_kit.money.Money(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "account IN ('funding_source', 'program_available', 'award_payable', 'award_paid')",
            name=op.f("ck_ledger_entries_account_known"),
        ),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_ledger_entries_amount_not_zero")),
        sa.ForeignKeyConstraint(["award_id"], ["awards.id"], name=op.f("fk_ledger_entries_award_id_awards")),
        sa.ForeignKeyConstraint(
            ["posting_id"], ["ledger_postings.id"], name=op.f("fk_ledger_entries_posting_id_ledger_postings")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_ledger_entries_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entries_award_account", ["award_id", "account", "value_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_entries_posting_id"), ["posting_id"], unique=False)
        batch_op.create_index("ix_ledger_entries_program_account", ["program_id", "account"], unique=False)

    _create_ledger_guards()


def downgrade() -> None:
    _drop_ledger_guards()
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entries_program_account")
        batch_op.drop_index(batch_op.f("ix_ledger_entries_posting_id"))
        batch_op.drop_index("ix_ledger_entries_award_account")

    op.drop_table("ledger_entries")
    with op.batch_alter_table("disbursements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disbursements_award_id"))

    op.drop_table("disbursements")
    with op.batch_alter_table("ledger_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_postings_program_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_postings_award_id"))

    op.drop_table("ledger_postings")
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_awards_status"))
        batch_op.drop_index(batch_op.f("ix_awards_region_code"))
        batch_op.drop_index(batch_op.f("ix_awards_program_id"))
        batch_op.drop_index(batch_op.f("ix_awards_credit_code"))
        batch_op.drop_index(batch_op.f("ix_awards_approved_on"))

    op.drop_table("awards")
    with op.batch_alter_table("program_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_rules_program_id"))

    op.drop_table("program_rules")
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programs_year"))

    op.drop_table("programs")
    op.drop_table("idempotency_records")


LEDGER_TABLES = ("ledger_postings", "ledger_entries")

PG_FUNCTIONS = {
    "ledger_refuse_change": """
        CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the ledger is append-only: % on % is refused; post a reversal instead',
                TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END $$""",
    "ledger_posting_balanced": """
        CREATE FUNCTION ledger_posting_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            posting bigint := CASE TG_TABLE_NAME WHEN 'ledger_postings' THEN NEW.id END;
            total numeric;
            lines integer;
        BEGIN
            IF posting IS NULL THEN
                posting := NEW.posting_id;
            END IF;
            SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO total, lines
                FROM ledger_entries WHERE posting_id = posting;
            IF total <> 0 OR lines < 2 THEN
                RAISE EXCEPTION 'ledger posting % does not balance: its % entries sum to %', posting, lines, total
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NULL;
        END $$""",
}


def _create_ledger_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for ddl in PG_FUNCTIONS.values():
            op.execute(ddl)
        for table in LEDGER_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
            )
            # Checked at commit, once every entry of the posting is in.
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_balanced AFTER INSERT ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_posting_balanced()"
            )
    else:
        for table in LEDGER_TABLES:
            for operation in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, 'the ledger is append-only: {operation} on {table} is refused; "
                    "post a reversal instead'); END"
                )


def _drop_ledger_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in LEDGER_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_balanced ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        for name in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for table in LEDGER_TABLES:
            for operation in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
