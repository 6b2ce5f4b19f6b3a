"""Words, not codes, and no English left on a Khmer page (issue 18, item 2).

Each role's pages are read as a browser shows them (text nodes only, not attributes) in
English and in Khmer. A page fails when it shows a stored code where a label exists
(a role code such as ``statistics_reader``, an audit action such as ``login_success``),
or, in Khmer, a message of the catalogue left in English.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from tests.web.casefiles_world import World, system, world
from tests.web.conftest import WebUser, sign_in
from tipdata.access.audit import ACTIONS
from tipdata.access.policy import default_policy
from tipdata.casefiles import CORRECTABLE, FOLLOW_UP_KINDS
from tipdata.codelists import load_codelists
from tipdata.provincial.pivot import NOT_BROKEN_DOWN, dimensions
from tipdata.provincial.workflow import default_workflow
from tipdata.services import SERVICE_CODES, import_providers
from tipdata.system import System
from tipdata.web.i18n import catalogue_path

PAGES = {
    "admin": ("/account", "/admin/users", "/dashboard"),
    "auditor": ("/account", "/admin/audit", "/admin/audit/verify"),
    "reader": ("/account", "/dashboard", "/reports/releases"),
    "officer": (
        "/account",
        "/imports",
        "/imports/new",
        "/linkage",
        "/provincial?year=2008",
        "/provincial/queue",
        "/provincial/map",
        "/provincial/pivot?rows=data_element&columns=sex",
        "/provincial/pivot?rows=province&columns=age",
        "/reports/releases",
    ),
    "focal": ("/account", "/provincial?year=2008", "/provincial/pivot?rows=sex&columns=age"),
}
"""The pages each role uses daily that this test reads (more join as they get labels)."""

CASE_WORK_PAGES = {
    "social": ("/casework/persons", "/casework/overdue", "/persons/{victim}",
               "/persons/{victim}/case", "/persons/{victim}/refer"),
    "ngo": ("/casework/persons?sort=oldest", "/casework/overdue", "/persons/{client}",
            "/persons/{client}/case", "/persons/{client}/refer", "/persons/{victim}",
            "/persons/{victim}/screenings/new"),
    "officer": ("/casework/persons?role=victim", "/persons/{victim}/case", "/cases",
                "/cases/{trial}", "/cases/{investigation}", "/persons/{suspect}"),
    "police": ("/cases/{investigation}",),
}  # fmt: skip
"""The case-work pages of the social worker, the NGO case worker and the NTF (issue 18)."""

__all__ = ["system", "world"]  # fixtures used by the tests below (the system has a master key)

PLACEHOLDER = re.compile(r"%\(\w+\)s")


VERBATIM = ("script", "style", "code", "title")


class _Text(HTMLParser):
    """The text a reader sees, less verbatim record content.

    Skipped: ``<script>``, ``<style>``, ``<code>`` and any element marked
    ``translate="no"`` (a record's own text shown as stored, e.g. an audit event's detail).
    """

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._open: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "input", "meta", "link", "col", "hr", "source"):
            return
        self._open.append((tag, tag in VERBATIM or ("translate", "no") in attrs))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            opened, _skip = self._open.pop()
            if opened == tag:
                break

    @property
    def _skip(self) -> bool:
        return any(skip for _tag, skip in self._open)

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def raw_codes() -> set[str]:
    """Stored codes that have labels: roles, audit actions, the provincial report's data
    elements and pivot dimensions (snake case, so no words)."""
    data_set = default_workflow().data_set
    aggregate = (*(e.code for e in data_set.elements), *dimensions(data_set), NOT_BROKEN_DOWN)
    codes = (*default_policy().roles, *ACTIONS, *aggregate)
    return {code for code in codes if "_" in code or "." in code}


def case_work_codes() -> set[str]:
    """The codes of case work and of the code lists its pages show by name."""
    codes = {*FOLLOW_UP_KINDS, *CORRECTABLE, *SERVICE_CODES, "on_hold", "migrant_worker"}
    codes |= set(load_codelists().exploitation_types.codes())
    codes |= {"lshtse-2008", "suspended_trafficking_sentence"}  # an article, a rule
    codes |= {"minor_in_commercial_sex", "debt_bondage"}  # screening indicators
    return {code for code in codes if "_" in code or "-" in code}


def agency_codes() -> set[str]:
    """The codes of the agencies whose name is not their code (MOI, PPMC, DOSAVY-12, ...)."""
    return {
        code
        for code, agency in load_codelists().agencies.by_code.items()
        if code not in (agency.name, agency.short_name) or agency.name_km
    }


def untranslated_fragments() -> list[str]:
    """English messages whose Khmer differs, cut at placeholders, long enough to be sure."""
    with catalogue_path("km").open("rb") as handle:
        catalogue = read_po(handle)
    fragments = []
    for message in catalogue:
        if not message.id or not message.string or message.string == message.id:
            continue
        for piece in PLACEHOLDER.split(str(message.id)):
            piece = piece.strip(" .:;,()·")
            if len(piece) >= 14 and " " in piece:
                fragments.append(piece)
    return fragments


def _pages(client: TestClient, users: dict[str, WebUser], language: str) -> dict[str, str]:
    seen = {}
    for username, paths in PAGES.items():
        client.cookies.clear()
        client.cookies.set("tipdata_lang", language)
        sign_in(client, users[username])
        client.cookies.set("tipdata_lang", language)
        for path in paths:
            answer = client.get(path)
            assert answer.status_code == 200, (username, path)
            seen[f"{username} {path}"] = visible_text(answer.text)
    return seen


@pytest.mark.parametrize("language", ["en", "km"])
def test_no_page_shows_a_raw_code_where_a_label_exists(
    client: TestClient, users: dict[str, WebUser], language: str
) -> None:
    codes = raw_codes()
    found = {
        page: sorted(
            code for code in codes if re.search(rf"(?<![\w.]){re.escape(code)}(?!\w)", text)
        )
        for page, text in _pages(client, users, language).items()
    }
    assert {page: hits for page, hits in found.items() if hits} == {}


def test_no_khmer_page_shows_an_untranslated_message(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    fragments = untranslated_fragments()
    assert len(fragments) > 100  # the catalogue was read
    found = {
        page: sorted(f for f in fragments if f in text)
        for page, text in _pages(client, users, "km").items()
    }
    assert {page: hits for page, hits in found.items() if hits} == {}


def _case_work_pages(
    client: TestClient, users: dict[str, WebUser], world: World, language: str
) -> dict[str, str]:
    seen = {}
    for username, paths in CASE_WORK_PAGES.items():
        client.cookies.clear()
        sign_in(client, users[username])
        client.cookies.set("tipdata_lang", language)
        for path in paths:
            url = path.format(
                victim=world.victim, client=world.client, suspect=world.suspect,
                trial=world.trial, investigation=world.investigation,
            )  # fmt: skip
            answer = client.get(url)
            assert answer.status_code == 200, (username, url)
            seen[f"{username} {path}"] = visible_text(answer.text)
    return seen


@pytest.fixture
def directory(system: System, world: World) -> None:
    with system.db.session() as session:
        import_providers(session)


@pytest.mark.parametrize("language", ["en", "km"])
def test_case_work_pages_show_words_not_codes(
    client: TestClient,
    users: dict[str, WebUser],
    world: World,
    directory: None,
    language: str,
) -> None:
    codes = raw_codes() | case_work_codes()
    pages = _case_work_pages(client, users, world, language)
    found = {
        page: sorted(
            code for code in codes if re.search(rf"(?<![\w.]){re.escape(code)}(?!\w)", text)
        )
        for page, text in pages.items()
    }
    assert {page: hits for page, hits in found.items() if hits} == {}
    province = "ភ្នំពេញ" if language == "km" else "Phnom Penh"
    assert province in pages["social /persons/{victim}"]  # the home province by its name
    country = "ថៃ" if language == "km" else "Thailand"
    assert country in pages["officer /cases/{investigation}"]  # the destination by its name
    article = "មាត្រា 15" if language == "km" else "Anti-trafficking law 2008, art. 15"
    assert article in pages["officer /cases/{trial}"]  # the article by its law's name
    indicator = "អនីតិជន" if language == "km" else "Minor in commercial sex"
    assert indicator in pages["ngo /persons/{victim}"]  # a screening's indicator by its name
    police = "ក្រសួងមហាផ្ទៃ" if language == "km" else "Ministry of Interior"
    assert police in pages["officer /persons/{suspect}"]  # a record's agency by its name
    court = "សាលាដំបូងរាជធានីភ្នំពេញ" if language == "km" else "Phnom Penh Municipal Court"
    assert court in pages["officer /cases/{trial}"]  # a case's agency by its name
    # no agency by its code alone where it has a name (a table cell holding just "MOI")
    shown_by_code = {
        page: sorted(set(text.splitlines()) & agency_codes()) for page, text in pages.items()
    }
    assert {page: codes for page, codes in shown_by_code.items() if codes} == {}
    if language == "km":
        fragments = untranslated_fragments()
        english = {page: sorted(f for f in fragments if f in text) for page, text in pages.items()}
        assert {page: hits for page, hits in english.items() if hits} == {}


def test_the_check_catches_a_code_and_an_english_message() -> None:
    """The two checks above are not vacuous: they see what they look for."""
    text = visible_text("<p>statistics_reader</p><p title='login_success'>x</p>")
    assert "statistics_reader" in text and "login_success" not in text
    assert {"victims_identified", "data_element", "not_broken_down"} <= raw_codes()
    assert {"MOI", "PPMC", "DOSAVY-12"} <= agency_codes()
    assert any(f in visible_text("<p>Change your password</p>") for f in untranslated_fragments())


def test_every_role_has_a_khmer_name() -> None:
    assert [code for code, role in default_policy().roles.items() if not role.name_km] == []
