"""Code lists and the law catalogue: data files validated on load.

The lists live next to this module (CSV and YAML) so domain people can change them
without touching code; any mistake raises ``CodelistError`` naming the file and line.

Public surface::

    load_codelists(root=None) -> Codelists       # provinces, countries, agencies, ...
    load_law_catalogue(root=None) -> LawCatalogue
    resolve_province(name), resolve_country(name), resolve_agency(name)
    age_group(age) -> "child" | "adult";  bands(age) -> {scheme: band}
"""

from tipdata.codelists.agencies import Agencies, Agency
from tipdata.codelists.ages import AgeBand, AgeGroups
from tipdata.codelists.countries import Countries, Country
from tipdata.codelists.datafiles import name_key
from tipdata.codelists.law import (
    Article,
    Law,
    LawCatalogue,
    ObservedSentence,
    Penalty,
    UnknownArticleError,
)
from tipdata.codelists.loader import (
    DEFAULT_ROOT,
    Codelists,
    age_group,
    bands,
    clear_cache,
    load_codelists,
    load_law_catalogue,
    resolve_agency,
    resolve_country,
    resolve_province,
)
from tipdata.codelists.provinces import Province
from tipdata.codelists.vocabularies import (
    ExploitationType,
    MeansOfControl,
    Role,
    Stage,
    Vocabulary,
)

__all__ = [
    "DEFAULT_ROOT",
    "AgeBand",
    "AgeGroups",
    "Agencies",
    "Agency",
    "Article",
    "Codelists",
    "Countries",
    "Country",
    "ExploitationType",
    "Law",
    "LawCatalogue",
    "MeansOfControl",
    "ObservedSentence",
    "Penalty",
    "Province",
    "Role",
    "Stage",
    "UnknownArticleError",
    "Vocabulary",
    "age_group",
    "bands",
    "clear_cache",
    "load_codelists",
    "load_law_catalogue",
    "name_key",
    "resolve_agency",
    "resolve_country",
    "resolve_province",
]
