import pytest
from django.db import transaction

from yiwang.licenses.services import license_issue

from .factories import MON, licensed


@pytest.fixture
def world(world):
    return licensed(world)


@pytest.fixture
def run_case(complete_case):
    """`run_case(world, user=…, decision=…)`: submit, accept, review, decide and complete a case
    (on MON); returns it completed. Cases sit above licences: the flow comes by fixture name."""

    def run(world, *, user=None, decision="approve"):
        return complete_case(world, user=user, decision=decision, on=MON)

    return run


@pytest.fixture
def issue_for(run_case, issue_args):
    """`issue_for(world, **run_case_kwargs)`: a completed case's licence, issued."""

    def issue(world, **kw):
        case = run_case(world, **kw)
        with transaction.atomic():
            return license_issue(**issue_args(type(case).objects.get(pk=case.pk)))

    return issue
