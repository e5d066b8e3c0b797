"""Interim: the module moved into a package (split by topic in the next commit)."""

from .issuance import *  # noqa: F403
from .issuance import _issue_clean  # noqa: F401
