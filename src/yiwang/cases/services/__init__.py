"""Case writes, by topic:

- `submission`: filing an application — who applies, parties, the form (sensitive elements
  encrypted: `form_protect` / `form_reveal`), materials, drafts, held 一件事 items;
- `actions`: the lifecycle after submission (`case_apply_action` and its handlers);
- `transitions`: the one place a case changes state (the case workflow's conditional UPDATE on
  `version` and its immutable CaseEvent + ledger entry), notices, due-date recomputation;
- `license_refs`: materials satisfied by e-licences (免提交);
- `procedures`: 容缺受理, 告知承诺制 (事后核查, revocation, 失信) and the 离婚冷静期 — the
  handlers of their actions and the periodic `procedures_sweep`;
- `sealing`: notice PDFs rendered and sealed once after commit, stored and served as stored, and
  the 送达回证 of electronic delivery;
- `bulk`: many cases at once (due dates after a holiday notice, moves after an organisational
  change).

Who may do what lives in cases.rules (read only). Callers keep using `from yiwang.cases import
services` and `services.<name>`: every name they use is exported here."""

from ..clock import SUPPLEMENT_NOTICE_DAYS, today
from ..rules import (
    ACTION_LABELS,
    APPLICANT,
    OPEN_STATUSES,
    RULES,
    RUNNING,
    Rule,
    acting_roles,
    action_check,
    is_applicant,
)
from .actions import EXTENSION_DAYS, SPECIAL_PROCEDURES, Act, case_apply_action, remedy_for
from .bulk import cases_move_department, cases_move_region, cases_recompute_due_dates
from .sealing import notice_opened, notice_pdf, notice_seal, notices_seal_pending
from .submission import (
    SUBMISSION_REVISIONS,
    Upload,
    applicant_account,
    case_material_add,
    case_release,
    case_stop_held,
    case_submit,
    case_submit_once,
    case_update_draft,
    form_protect,
    form_reveal,
)

__all__ = [
    "ACTION_LABELS",
    "APPLICANT",
    "EXTENSION_DAYS",
    "OPEN_STATUSES",
    "RULES",
    "RUNNING",
    "SPECIAL_PROCEDURES",
    "SUBMISSION_REVISIONS",
    "SUPPLEMENT_NOTICE_DAYS",
    "Act",
    "Rule",
    "Upload",
    "acting_roles",
    "action_check",
    "applicant_account",
    "case_apply_action",
    "case_material_add",
    "case_release",
    "case_stop_held",
    "case_submit",
    "case_submit_once",
    "case_update_draft",
    "cases_move_department",
    "cases_move_region",
    "cases_recompute_due_dates",
    "form_protect",
    "form_reveal",
    "is_applicant",
    "notice_opened",
    "notice_pdf",
    "notice_seal",
    "notices_seal_pending",
    "remedy_for",
    "today",
]
