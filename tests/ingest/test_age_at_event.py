"""The exact age at a row's first event is kept in clear before the date of birth is encrypted."""

from __future__ import annotations

from datetime import date

from tipdata.ingest.validate import StagedRecord
from tipdata.ingest.writer import keep_age_at_first_event


def _person(**values: object) -> StagedRecord:
    return StagedRecord(kind="person_record", name="victim", values=dict(values))


def _event(day: date | None, about: str = "victim") -> StagedRecord:
    return StagedRecord(
        kind="event", name=f"e{day}", values={"event_date": day}, refs=[("person_record_id", about)]
    )


def test_a_17_year_old_the_day_before_her_birthday_is_17_not_18() -> None:
    person = _person(birth_date=date(1990, 6, 15))
    keep_age_at_first_event(person, [person, _event(date(2008, 6, 14)), _event(date(2008, 9, 1))])
    assert (person.values["age_years"], person.values["age_reference_date"]) == (
        17,
        date(2008, 6, 14),
    )


def test_on_her_birthday_she_is_18() -> None:
    person = _person(birth_date=date(1990, 6, 15))
    keep_age_at_first_event(person, [person, _event(date(2008, 6, 15))])
    assert person.values["age_years"] == 18


def test_an_age_the_source_gave_is_kept_and_other_persons_events_are_ignored() -> None:
    given = _person(birth_date=date(1990, 6, 15), age_years=20)
    keep_age_at_first_event(given, [given, _event(date(2008, 6, 14))])
    assert given.values["age_years"] == 20

    person = _person(birth_date=date(1990, 6, 15))
    keep_age_at_first_event(person, [person, _event(date(2008, 1, 1), about="suspect")])
    assert "age_years" not in person.values


def test_no_birth_date_no_event_or_an_event_before_birth_leaves_the_age_unknown() -> None:
    for person, events in (
        (_person(birth_year=1990), [_event(date(2008, 1, 1))]),
        (_person(birth_date=date(1990, 6, 15)), []),
        (_person(birth_date=date(1990, 6, 15)), [_event(None), _event(date(1980, 1, 1))]),
    ):
        keep_age_at_first_event(person, [person, *events])
        assert "age_years" not in person.values
