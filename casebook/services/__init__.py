"""Changes to the notebook, to requests, to the pavilion's meetings and to a member's
holdings. Each function is one transaction.

Callers write `from casebook import services` and `services.request_reply(...)`: the
subjects live in their own modules, and their public names are all here.
"""

from casebook.services.common import CasebookError, StaleRequest, role_user
from casebook.services.handover import member_handover
from casebook.services.meetings import (
    MEETING_OUTCOMES,
    cluster_to_agenda,
    meeting_close,
    meeting_save,
    request_meeting_note,
)
from casebook.services.requests import (
    HOUSEHOLD_LABEL,
    ILLEGAL,
    MAX_VOICE_BYTES,
    MAX_VOICE_SECONDS,
    RATING_TEXT,
    TRANSITIONS,
    VOICE_GRACE_SECONDS,
    default_owner,
    owner_candidates,
    request_accept,
    request_add,
    request_assign,
    request_close,
    request_confirm,
    request_escalate,
    request_note,
    request_raise,
    request_rate,
    request_reopen,
    request_reply,
    request_sources_for_staff,
    voice_check,
)
from casebook.services.visits import (
    CORRECTION_WINDOW,
    Submitted,
    visit_can_correct,
    visit_correct,
    visit_record,
    visit_record_with_request,
    visit_submit,
    visits_changed,
)

__all__ = [
    "CORRECTION_WINDOW",
    "HOUSEHOLD_LABEL",
    "ILLEGAL",
    "MAX_VOICE_BYTES",
    "MAX_VOICE_SECONDS",
    "MEETING_OUTCOMES",
    "RATING_TEXT",
    "TRANSITIONS",
    "VOICE_GRACE_SECONDS",
    "CasebookError",
    "StaleRequest",
    "Submitted",
    "cluster_to_agenda",
    "default_owner",
    "meeting_close",
    "meeting_save",
    "member_handover",
    "owner_candidates",
    "request_accept",
    "request_add",
    "request_assign",
    "request_close",
    "request_confirm",
    "request_escalate",
    "request_meeting_note",
    "request_note",
    "request_raise",
    "request_rate",
    "request_reopen",
    "request_reply",
    "request_sources_for_staff",
    "role_user",
    "visit_can_correct",
    "visit_correct",
    "visit_record",
    "visit_record_with_request",
    "visit_submit",
    "visits_changed",
    "voice_check",
]
