"""factory_boy factories for accounts: citizens (natural persons), companies (legal persons) and
staff. Citizens and companies are registered through `accounts.services` (ID numbers and phones
encrypted, lookup hashes set), so use `create()`, not `build()`. Staff get their roles from
`organizations.tests.factories.StaffRoleFactory`."""

from __future__ import annotations

from datetime import date, timedelta

import factory

from yiwang.accounts import services
from yiwang.accounts.models import AccountKind, TrustLevel, User
from yiwang.core.testing import PASSWORD, make_ric, make_uscc


class _RegisteredFactory(factory.django.DjangoModelFactory):
    """Creates through a registration service instead of `Model.objects.create`."""

    class Meta:
        model = User
        abstract = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = PASSWORD
    phone = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return cls.register(**kwargs)  # `register`: the service, a staticmethod of each subclass


class CitizenFactory(_RegisteredFactory):
    """A natural person (居民身份证), self-registered (trust level 2) unless told otherwise."""

    username = factory.Sequence(lambda n: f"citizen-{n}")
    name = factory.Sequence(lambda n: f"市民{n}")
    id_number = factory.Sequence(lambda n: make_ric(born=date(1980, 1, 1) + timedelta(days=n), serial=700))
    trust_level = TrustLevel.SELF_DECLARED

    register = staticmethod(services.person_register)


class CompanyFactory(_RegisteredFactory):
    """A legal person (统一社会信用代码), verified (trust level 3) unless told otherwise."""

    username = factory.Sequence(lambda n: f"company-{n}")
    name = factory.Sequence(lambda n: f"武汉示例公司{n}")
    uscc = factory.Sequence(lambda n: make_uscc(f"company-{n}"))
    legal_representative = "王强"
    trust_level = TrustLevel.VERIFIED

    register = staticmethod(services.legal_register)


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff account (trust level 5) without roles; `is_staff=True` makes a Django admin
    (superuser too, as `accounts.services.staff_create(is_admin=True)`)."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"staff-{n}")
    password = factory.django.Password(PASSWORD)
    kind = AccountKind.STAFF
    display_name = factory.Sequence(lambda n: f"工作人员{n}")
    trust_level = TrustLevel.CERTIFICATE
    is_staff = False
    is_superuser = factory.SelfAttribute("is_staff")
