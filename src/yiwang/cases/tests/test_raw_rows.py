"""The plain-SQL rows of the request path (core.rawinsert, core.rawjoin's `all`): what they write
and read is what the ORM would have — encrypted fields encrypted at rest and decrypted on read,
JSON, times, primary keys in order — on SQLite and PostgreSQL alike."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from yiwang.cases import selectors
from yiwang.cases.models import CaseEvent, CaseParty, Notice
from yiwang.core import rawinsert
from yiwang.core.testing import make_ric


@pytest.mark.django_db
def test_inserted_rows_read_back_through_the_orm_as_written(world, submit_case):
    case = submit_case(world)
    ric = make_ric(serial=333)
    rows = rawinsert.insert(
        [
            CaseParty(
                case=case, role="agent", name="代理人甲", id_type="111", id_number=ric, phone="13700137000"
            ),
            CaseParty(case=case, role="other", name="乙公司", id_type="001", id_number="", phone=""),
        ]
    )
    assert rows[0].pk is not None and rows[1].pk > rows[0].pk  # in the order given
    assert not rows[0]._state.adding
    back = CaseParty.objects.get(pk=rows[0].pk)
    assert (back.name, back.id_number, back.phone, back.role) == ("代理人甲", ric, "13700137000", "agent")
    with connection.cursor() as cur:  # encrypted at rest, as the ORM writes it
        cur.execute('SELECT "id_number", "phone" FROM "cases_caseparty" WHERE "id" = %s', [rows[0].pk])
        stored = " ".join(str(v) for v in cur.fetchone())
    assert ric not in stored and "13700137000" not in stored
    at = timezone.now() - timedelta(minutes=5)
    seq = CaseEvent.objects.filter(case=case).count() + 1
    (event,) = rawinsert.insert(
        [
            CaseEvent(
                case=case,
                seq=seq,
                action="note",
                actor=world.clerk,
                actor_role="clerk",
                at=at,
                data={"备注": [1, "二"]},
            )
        ]
    )
    back = CaseEvent.objects.get(pk=event.pk)
    assert back.data == {"备注": [1, "二"]} and back.at == at and back.actor_id == world.clerk.pk


@pytest.mark.django_db
def test_insert_refuses_saved_rows_and_mixed_models(world, submit_case):
    case = submit_case(world)
    party = CaseParty.objects.filter(case=case).first()
    with pytest.raises(ValueError, match="without primary keys"):
        rawinsert.insert([party])
    with pytest.raises(ValueError, match="one model"):
        rawinsert.insert(
            [CaseParty(case=case, role="other", name="x"), CaseEvent(case=case, seq=99, action="x")]
        )
    assert rawinsert.insert([]) == []


@pytest.mark.django_db
def test_insert_unless_taken_skips_a_taken_unique_value_and_the_transaction_goes_on(world, submit_case):
    case = submit_case(world)
    taken = Notice.objects.filter(case=case).first()
    with transaction.atomic():
        fresh = Notice(
            case=case, kind=taken.kind, number=f"{case.number}-98", issued_at=taken.issued_at, data={"a": 1}
        )
        assert rawinsert.insert([fresh], unless_taken="number") == [fresh] and fresh.pk
        again = Notice(
            case=case, kind=taken.kind, number=taken.number, issued_at=taken.issued_at, data={"a": 2}
        )
        assert rawinsert.insert([again], unless_taken="number") == [] and again.pk is None
        # no error was raised inside the transaction: it goes on (no savepoint was needed)
        assert Notice.objects.filter(number=taken.number).get().pk == taken.pk
    assert Notice.objects.get(pk=fresh.pk).data == {"a": 1}
    with pytest.raises(ValueError, match="one row"):
        rawinsert.insert(
            [Notice(case=case, number="x1"), Notice(case=case, number="x2")], unless_taken="number"
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # without it, a taken value fails
        rawinsert.insert([Notice(case=case, kind=taken.kind, number=taken.number, issued_at=taken.issued_at)])


@pytest.mark.django_db
def test_events_and_parties_read_in_order_with_the_actor_name_only(world, submit_case):
    case = submit_case(world)
    events = selectors.case_events(case)
    assert [e.seq for e in events] == sorted(e.seq for e in events) and len(events) >= 2
    orm = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    assert [(e.pk, e.action, e.at, e.data, e.actor_id) for e in events] == [
        (e.pk, e.action, e.at, e.data, e.actor_id) for e in orm
    ]
    actor = events[0].actor
    assert actor.pk == world.citizen.pk and actor.kind == world.citizen.kind
    # the actor's personal fields were not read (deferred: loaded only if asked for)
    assert {"id_number", "phone"} <= actor.get_deferred_fields()
    parties = selectors.case_parties(case)
    assert [(p.pk, p.role, p.id_number) for p in parties] == [
        (p.pk, p.role, p.id_number) for p in CaseParty.objects.filter(case=case).order_by("id")
    ]
    assert parties and all(p.id_number for p in parties if p.role == "applicant")


@pytest.mark.django_db
def test_values_written_as_they_are_only_where_the_orm_would_write_them_unchanged():
    """rawinsert skips `pre_save`/`get_db_prep_save` for a value of a field's plain type: for every
    field of every model with such a type, the ORM's preparation of typical values is the value
    itself, or for integer fields the database's typed integer (PostgreSQL) that rawinsert applies
    too; encrypted, JSON, date and file fields are never plain."""
    from django.apps import apps

    from yiwang.core.fields import EncryptedJSONField, EncryptedTextField

    samples = {str: ["", "申请人", "0" * 300], int: [0, 7, 2**40], bool: [True, False]}
    checked = 0
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            plain, adapt = rawinsert._plain(field, connection)
            if isinstance(
                field, (EncryptedTextField, EncryptedJSONField, models.JSONField, models.FileField)
            ):
                assert plain is None, field
            if isinstance(field, (models.DateField, models.DateTimeField, models.DecimalField)):
                assert plain is None, field
            if plain is None:
                continue
            assert type(field).pre_save is models.Field.pre_save, field
            values = samples[plain] + ([None] if plain is not bool else [])
            for value in values:
                prepared = field.get_db_prep_save(value, connection)
                expected = adapt(value) if adapt is not None and value is not None else value
                assert prepared == expected and type(prepared) is type(expected), (field, value)
                checked += 1
    assert checked > 500  # the platform's models, not an empty loop


@pytest.mark.django_db
def test_values_of_another_type_still_go_through_the_field(world, submit_case):
    """A value not of the plain type (a lazy string, an integer given as text to a foreign key)
    is prepared by the field as the ORM would."""
    from django.utils.functional import lazy

    case = submit_case(world)
    lazy_name = lazy(lambda: "懒加载名称", str)()
    (row,) = rawinsert.insert(
        [CaseParty(case_id=str(case.pk), role="other", name=lazy_name, id_type="001", id_number="", phone="")]
    )
    back = CaseParty.objects.get(pk=row.pk)
    assert (back.case_id, back.name) == (case.pk, "懒加载名称")
