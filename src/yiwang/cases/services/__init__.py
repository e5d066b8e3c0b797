"""Case writes (step 1 of the split: the module moved into a package)."""

from .submission import *  # noqa: F403
from .submission import (  # noqa: F401
    ACTION_LABELS,
    APPLICANT,
    RULES,
    SPECIAL_PROCEDURES,
    acting_roles,
    action_check,
    applicant_account,
    case_apply_action,
    case_material_add,
    case_release,
    case_stop_held,
    case_submit,
    case_submit_once,
    case_update_draft,
    cases_move_department,
    cases_move_region,
    cases_recompute_due_dates,
    form_protect,
    form_reveal,
    is_applicant,
    today,
)
