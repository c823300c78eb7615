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


class Unregistered(LookupError):
    """A job kind, an audit action or an access action that no feature registered."""


class Codes:
    """One table of codes a feature names, each with the label people read."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.labels: dict[str, Label] = {}

    def register(self, code: str, label: Label) -> str:
        """Name a code (again with the same label: no change). Returns the code."""
        if not code or len(code) > MAX_LENGTH:
            raise ValueError(f"{self.what} {code!r}: 1 to {MAX_LENGTH} characters")
        known = self.labels.get(code)
        if known is not None and known is not label:
            raise ValueError(f"{self.what} {code!r} is registered already")
        self.labels[code] = label
        return code

    def require(self, code: str) -> str:
        if code not in self.labels:
            raise Unregistered(f"{self.what} {code!r} is not registered")
        return code

    def label(self, code: str) -> str:
        return str(self.labels.get(code, code))

    def choices(self) -> list[tuple[str, str]]:
        """Every registered code and its label, by code (the admin's filter)."""
        return [(code, str(label)) for code, label in sorted(self.labels.items())]


# A kind of background job (its label titles the job's page).
JOB_KINDS = Codes("job kind")
# An action the audit log records (its label is read in the admin).
AUDIT_ACTIONS = Codes("audit action")
# A way personal data leaves the system (an export, printed cards, an import), which the
# access log records with its count.
ACCESS_ACTIONS = Codes("access action")

register_job_kind = JOB_KINDS.register
register_audit_action = AUDIT_ACTIONS.register
register_access_action = ACCESS_ACTIONS.register
require_job_kind = JOB_KINDS.require
require_audit_action = AUDIT_ACTIONS.require
require_access_action = ACCESS_ACTIONS.require
job_kind_label = JOB_KINDS.label
audit_action_label = AUDIT_ACTIONS.label
access_action_label = ACCESS_ACTIONS.label
job_kinds = JOB_KINDS.choices
audit_actions = AUDIT_ACTIONS.choices
access_actions = ACCESS_ACTIONS.choices
