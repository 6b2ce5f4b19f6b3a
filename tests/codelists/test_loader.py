"""Every list loads, codes are unique, and the codes match the model's enums."""

from __future__ import annotations

from tipdata.codelists import Codelists, LawCatalogue, load_codelists, load_law_catalogue


def test_every_list_loads_with_the_expected_sizes(codelists: Codelists) -> None:
    sizes = codelists.sizes()
    assert sizes["provinces (today)"] == 25
    assert sizes["provinces (2008)"] == 24
    assert sizes["countries"] >= 249
    assert sizes["pathway stages"] == 29
    assert sizes["person roles"] == 6
    assert all(count > 0 for count in sizes.values())


def test_loading_is_cached_per_folder(codelists: Codelists, catalogue: LawCatalogue) -> None:
    assert load_codelists() is codelists
    assert load_law_catalogue() is catalogue


def test_codes_are_unique_in_every_list(codelists: Codelists) -> None:
    for vocabulary in (
        codelists.exploitation_types,
        codelists.means_of_control,
        codelists.stages,
        codelists.roles,
    ):
        codes = [term.code for term in vocabulary]
        assert len(codes) == len(set(codes))
    codes = [p.code for p in codelists.all_provinces]
    assert len(codes) == len(set(codes))
    assert len(codelists.agencies.by_code) == len(codelists.agencies)


EXPECTED_STAGES = [
    "identified", "rescued", "returned", "screened", "determined_victim",
    "determined_not_victim", "referred", "sheltered", "service_provided", "reintegrated",
    "followed_up", "repatriated", "re_trafficked", "case_closed", "handed_over", "received",
    "arrested", "charged", "tried", "convicted", "acquitted", "sentenced", "appealed",
    "released", "escaped", "dismissed",
    "departed", "hotline_report", "deported",
]  # fmt: skip


def test_stage_codes_are_the_event_types(codelists: Codelists) -> None:
    from tipdata.model.enums import (
        MIGRATION_EVENTS,
        PROSECUTION_PATHWAY_EVENTS,
        VICTIM_PATHWAY_EVENTS,
        EventType,
    )

    assert set(codelists.stages.codes()) == {e.value for e in EventType} == set(EXPECTED_STAGES)
    victim = {s.code for s in codelists.stages if s.pathway == "victim"}
    assert victim == {e.value for e in VICTIM_PATHWAY_EVENTS}
    prosecution = {s.code for s in codelists.stages if s.pathway == "prosecution"}
    assert prosecution == {e.value for e in PROSECUTION_PATHWAY_EVENTS}
    migration = {s.code for s in codelists.stages if s.pathway == "migration"}
    assert migration == {e.value for e in MIGRATION_EVENTS}


def test_role_codes_are_the_person_roles(codelists: Codelists) -> None:
    from tipdata.model.enums import PersonRole

    assert codelists.roles.codes() == tuple(r.value for r in PersonRole)
    assert codelists.roles.codes() == (
        "victim", "suspect", "convicted", "witness", "returnee", "migrant_worker",
    )  # fmt: skip


def test_agency_and_article_kinds_are_the_model_enums(
    codelists: Codelists, catalogue: LawCatalogue
) -> None:
    from tipdata.model.enums import AgencyKind, LawArticleKind

    assert {a.kind for a in codelists.agencies.by_code.values()} <= {k.value for k in AgencyKind}
    kinds = {a.kind for a in catalogue.articles if a.kind is not None}
    assert kinds <= {k.value for k in LawArticleKind}
