"""Interim: the module moved into a package (split by topic in the next commit)."""

from .gateway import *  # noqa: F403
