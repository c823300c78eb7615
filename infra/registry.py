"""What the platform's rows name, registered by the features that name them.

A job's kind, an audit event's action and an access log entry's action are plain codes in
the platform's tables: the feature that starts the job or records the event registers its
code and the label people read (`register_job_kind`, `register_audit_action`,
`register_access_action`, at module level of a module its AppConfig.ready() imports). A
new kind needs no migration here. Starting a job or recording an event under a code nobody
registered raises `Unregistered`; a row whose code is no longer registered reads as its
code.
"""

from django.utils.functional import Promise

Label = str | Promise

# The columns' width (Job.kind, AuditEvent.action, AccessLog.action).
MAX_LENGTH = 20

_job_kinds: dict[str, Label] = {}
_audit_actions: dict[str, Label] = {}
_access_actions: dict[str, Label] = {}


class Unregistered(LookupError):
    """A job kind or an audit action that no feature registered."""


def _register(table: dict[str, Label], what: str, code: str, label: Label) -> str:
    if not code or len(code) > MAX_LENGTH:
        raise ValueError(f"{what} {code!r}: 1 to {MAX_LENGTH} characters")
    known = table.get(code)
    if known is not None and known is not label:
        raise ValueError(f"{what} {code!r} is registered already")
    table[code] = label
    return code


def register_job_kind(code: str, label: Label) -> str:
    """Name a kind of background job (its label titles the job's page). Returns the code."""
    return _register(_job_kinds, "job kind", code, label)


def register_audit_action(code: str, label: Label) -> str:
    """Name an action the audit log records (its label is read in the admin). Returns the
    code."""
    return _register(_audit_actions, "audit action", code, label)


def register_access_action(code: str, label: Label) -> str:
    """Name a way personal data leaves the system (an export, printed cards, an import),
    which the access log records with its count. Returns the code."""
    return _register(_access_actions, "access action", code, label)


def require_job_kind(code: str) -> str:
    if code not in _job_kinds:
        raise Unregistered(f"job kind {code!r} is not registered")
    return code


def require_audit_action(code: str) -> str:
    if code not in _audit_actions:
        raise Unregistered(f"audit action {code!r} is not registered")
    return code


def require_access_action(code: str) -> str:
    if code not in _access_actions:
        raise Unregistered(f"access action {code!r} is not registered")
    return code


def job_kind_label(code: str) -> str:
    return str(_job_kinds.get(code, code))


def audit_action_label(code: str) -> str:
    return str(_audit_actions.get(code, code))


def access_action_label(code: str) -> str:
    return str(_access_actions.get(code, code))


def job_kinds() -> list[tuple[str, str]]:
    """Every registered kind and its label, by code (the admin's filter)."""
    return [(code, str(label)) for code, label in sorted(_job_kinds.items())]


def audit_actions() -> list[tuple[str, str]]:
    """Every registered action and its label, by code (the admin's filter)."""
    return [(code, str(label)) for code, label in sorted(_audit_actions.items())]


def access_actions() -> list[tuple[str, str]]:
    """Every registered access action and its label, by code (the admin's filter)."""
    return [(code, str(label)) for code, label in sorted(_access_actions.items())]
