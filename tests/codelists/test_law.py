"""The law catalogue: the facts the 2009 report states, and penalty selection."""

from __future__ import annotations

import pytest

from tipdata.codelists import LawCatalogue, UnknownArticleError

LSHTSE = "lshtse-2008"
LABOUR = "labour-1997"


def months(catalogue: LawCatalogue, number: int, **kwargs: object) -> tuple[int | None, ...]:
    penalty = catalogue.penalty_for(LSHTSE, number, **kwargs)  # type: ignore[arg-type]
    assert penalty is not None
    return (penalty.min_months, penalty.max_months)


def test_all_52_articles_are_catalogued(catalogue: LawCatalogue) -> None:
    law = catalogue.law(LSHTSE)
    assert [a.number for a in law.articles] == list(range(1, 53))
    assert law.reference == "NS/RKM/0208/005"
    placeholders = [a for a in law.articles if not a.verified]
    assert all(a.penalties is None and a.confidence == "unverified" for a in placeholders)
    assert 4 in {a.number for a in placeholders}


def test_article_3_is_scope_and_not_penal(catalogue: LawCatalogue) -> None:
    article = catalogue.article(LSHTSE, 3)
    assert article.kind == "scope"
    assert catalogue.is_penal(LSHTSE, 3) is False
    assert article.is_trafficking_offence is False
    assert article.penalties == ()
    assert catalogue.penalty_for(LSHTSE, 3) is None


@pytest.mark.parametrize("number", [10, 15])
def test_trafficking_articles_7_to_15_years_aggravated_15_to_20(
    catalogue: LawCatalogue, number: int
) -> None:
    assert catalogue.is_penal(LSHTSE, number) is True
    assert catalogue.article(LSHTSE, number).is_trafficking_offence is True
    assert months(catalogue, number) == (84, 180)
    assert months(catalogue, number, victim_age=25) == (84, 180)
    assert months(catalogue, number, victim_age=16) == (180, 240)
    assert months(catalogue, number, aggravating=frozenset({"organized_group"})) == (180, 240)
    assert months(catalogue, number, aggravating=frozenset({"public_official"})) == (180, 240)


def test_aggravated_range_for_a_16_year_old_victim(catalogue: LawCatalogue) -> None:
    penalty = catalogue.penalty_for(LSHTSE, 15, victim_age=16)
    assert penalty is not None
    assert penalty.condition == "aggravated"
    assert (penalty.min_months, penalty.max_months) == (180, 240)


def test_article_10_is_read_from_the_text_and_15_from_secondary(catalogue: LawCatalogue) -> None:
    assert catalogue.article(LSHTSE, 10).confidence == "text"
    assert catalogue.article(LSHTSE, 15).confidence == "secondary"


def test_article_11_exists_penal_with_unknown_penalty(catalogue: LawCatalogue) -> None:
    article = catalogue.article(LSHTSE, 11)
    assert article.title == "Unlawful Removal for Cross-Border Transfer"
    assert article.is_penal is True
    assert article.is_trafficking_offence is None
    assert article.penalties is None
    assert catalogue.penalty_for(LSHTSE, 11) is None


def test_article_16_base_range_known_aggravated_not(catalogue: LawCatalogue) -> None:
    article = catalogue.article(LSHTSE, 16)
    assert months(catalogue, 16) == (84, 180)
    assert article.penalties_complete is False


def test_article_24_soliciting_days_and_riel(catalogue: LawCatalogue) -> None:
    penalty = catalogue.penalty_for(LSHTSE, 24)
    assert penalty is not None
    assert (penalty.min_days, penalty.max_days) == (1, 6)
    assert (penalty.min_fine_riel, penalty.max_fine_riel) == (3_000, 10_000)
    assert catalogue.article(LSHTSE, 24).is_trafficking_offence is False


def test_articles_42_and_43_need_a_victim_under_15(catalogue: LawCatalogue) -> None:
    assert months(catalogue, 42, victim_age=13) == (60, 120)
    assert months(catalogue, 43, victim_age=12) == (12, 36)
    assert catalogue.penalty_for(LSHTSE, 43, victim_age=16) is None
    assert catalogue.penalty_for(LSHTSE, 43, victim_age=12).max_fine_riel is None  # type: ignore[union-attr]


def test_article_34_purchase_of_child_prostitution(catalogue: LawCatalogue) -> None:
    assert catalogue.article(LSHTSE, 34).title == "Purchase of Child Prostitution"
    assert months(catalogue, 34, victim_age=14) == (84, 180)
    # 15-17: reported without an article number, so not encoded.
    assert catalogue.penalty_for(LSHTSE, 34, victim_age=16) is None


def test_only_purpose_articles_are_trafficking_offences(catalogue: LawCatalogue) -> None:
    law = catalogue.law(LSHTSE)
    tip = {a.number for a in law.articles if a.is_trafficking_offence}
    assert tip == {10, 12, 15, 17, 19}


def test_labour_law_fines_in_base_daily_wages(catalogue: LawCatalogue) -> None:
    penalty = catalogue.penalty_for(LABOUR, 363)
    assert penalty is not None
    assert (penalty.min_fine, penalty.max_fine, penalty.fine_unit) == (31, 60, "base_daily_wage")
    assert penalty.min_fine_riel is None
    # Art 179 (register of child workers) is punished under Art 363.
    assert catalogue.penalty_for(LABOUR, 179) == penalty
    article = catalogue.article(LABOUR, 368)
    assert article.verified is False
    assert article.penalties is None


def test_unknown_articles_and_laws(catalogue: LawCatalogue) -> None:
    with pytest.raises(UnknownArticleError):
        catalogue.article(LSHTSE, 53)
    with pytest.raises(UnknownArticleError):
        catalogue.article("criminal-code-2009", 1)
    with pytest.raises(ValueError, match="unknown circumstance"):
        catalogue.penalty_for(LSHTSE, 15, aggravating=frozenset({"rainy_day"}))
    assert catalogue.article("LSHTSE-2008", 15).law_code == LSHTSE


def test_observed_sentences_refer_to_catalogued_articles(catalogue: LawCatalogue) -> None:
    law = catalogue.law(LSHTSE)
    assert law.observed_sentences
    art3 = [s for s in law.observed_sentences if s.articles == (3,)]
    assert art3 and art3[0].sentence_months == 24
