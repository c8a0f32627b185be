"""The audit trail (审计日志): every write, sign-in and consumer pull of a service, one row each, in an
append-only table (`audit_events`) the auditor reads at `GET /api/v1/audit`.

- `models`: the table, its indexes and the database's append-only guards (a service's migration
  calls `create_audit_events`);
- `capture`: the middleware and the session hooks that write the rows; `record_change` for writes
  made with Core statements;
- `router`: `GET /api/v1/audit` and `GET /api/v1/exports/audit.xlsx`;
- `retention`: the `prune-audit` duty.
"""

from daye_kit.audit.capture import (
    DATA_PULL,
    REDACTED,
    AuditDep,
    AuditMiddleware,
    RequestAudit,
    record_change,
)
from daye_kit.audit.models import (
    AUDIT,
    MIN_RETENTION_DAYS,
    audit_table,
    create_audit_events,
    drop_audit_events,
    permits_table,
)
from daye_kit.audit.retention import PRUNE_AUDIT, prune_audit
from daye_kit.audit.router import AuditEvent, AuditPage, audit_router

__all__ = [
    "AUDIT",
    "DATA_PULL",
    "MIN_RETENTION_DAYS",
    "PRUNE_AUDIT",
    "REDACTED",
    "AuditDep",
    "AuditEvent",
    "AuditMiddleware",
    "AuditPage",
    "RequestAudit",
    "audit_router",
    "audit_table",
    "create_audit_events",
    "drop_audit_events",
    "permits_table",
    "prune_audit",
    "record_change",
]
