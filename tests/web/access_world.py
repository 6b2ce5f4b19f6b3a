"""A small world for the access tests: two agencies × two provinces, one user per role.

Built through the real services, as production data would be: the code lists
(``sync_reference_data``), two agency exports in the MOI police-register layout
imported with :func:`tipdata.ingest.import_file` (one file owned by MOI, one by the
Phnom Penh court PPMC), linkage (:func:`tipdata.linkage.service.link`), a referral to
an AFESIP shelter (:func:`tipdata.access.consent.create_referral`), a provincial report
submitted for province 02 and one for 12 (:mod:`tipdata.provincial.submissions`), and
one user per role of ``roles.yaml`` (``add_user``, ``enable_totp``, ``create_api_token``).

Every protected field of every person record (name, village, contact) holds a
*canary*: a made-up token that appears nowhere else, so a response that contains it
has shown that record's identity. All values are synthetic.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pyotp
import sqlalchemy as sa

import tipdata.ingest
from tipdata.access import add_user, default_policy, enable_totp, load_keyring, sync_roles
from tipdata.access.consent import Consent, create_referral
from tipdata.access.passwords import Passwords
from tipdata.access.policy import Actor
from tipdata.access.protected import keyring_for
from tipdata.access.sessions import create_api_token
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.ingest import import_file
from tipdata.ingest.mapping import load_mapping
from tipdata.linkage.service import link
from tipdata.provincial import submissions
from tipdata.services.directory import import_providers
from tipdata.store import (
    Agency,
    AppUser,
    Case,
    Database,
    Person,
    PersonRecord,
    ReviewPair,
    SourceRecord,
)
from tipdata.store.refdata import sync_reference_data
from tipdata.store.services import ServiceProvider
from tipdata.system import System

PASSWORD = "correct horse battery staple"
CANARY = "qzcanary"
"""Every canary starts with this (lower case); scans are case-insensitive."""

OWN_PROVINCE = "02"
OTHER_PROVINCE = "12"
PERIOD = "2008BW05"
REPORT_VALUES: dict[str, int | None] = {
    "victims_identified.female_child": 1,
    "victims_identified.female_adult": 2,
    "victims_identified.male_child": 0,
    "victims_identified.male_adult": 0,
    "victims_referred": 3,
    "cases_investigated": 1,
    "suspects_arrested": 2,
}
"""Values of every seeded report (they pass the submission rules)."""

REFERRAL_PROVIDER = "AFESIP-PP"
"""The AFESIP shelter the MOI victim of province 12 is referred to (NGO client scope)."""

LAYOUT = Path(tipdata.ingest.__file__).with_name("sources") / "moi_police_register.yaml"
EXTRA_FIELDS = "      village: Village\n      contact: Phone\n"
"""The police-register layout with two more protected columns, so every kind is planted."""


@dataclass(frozen=True)
class SeedRecord:
    """One person record of the world (and the one person it links to).

    Attributes:
        key: stable label, ``<agency>-<province>-<role>``, used by the reference tables.
        agency: owning agency code.
        province: home province code.
        role: ``victim`` or ``suspect``.
        sex: ``F`` or ``M``.
        age: age at the event date.
    """

    key: str
    agency: str
    province: str
    role: str
    sex: str
    age: int

    @property
    def case_number(self) -> str:
        """The case the record belongs to: one per agency and province."""
        return f"{self.agency}-{self.province}"

    @property
    def canaries(self) -> tuple[str, str, str]:
        """Name, village and contact canaries, unique to this record."""
        token = self.key.lower().replace("-", "")
        return (f"{CANARY}n{token}", f"{CANARY}v{token}", f"{CANARY}c{token}")


SEED_RECORDS: tuple[SeedRecord, ...] = tuple(
    SeedRecord(f"{agency}-{province}-{role}", agency, province, role, sex, age + offset)
    for agency, offset in (("MOI", 0), ("PPMC", 9))
    for province, role, sex, age in (
        (OWN_PROVINCE, "victim", "F", 17),
        (OWN_PROVINCE, "suspect", "M", 44),
        (OTHER_PROVINCE, "victim", "F", 23),
    )
)
"""Six records: in each agency, a victim and a suspect of province 02 and a victim of 12.
The two agencies' people are nine years apart in age: their canary names differ by a few
letters only, and linkage rightly links near-identical names of one age, sex, province
and week."""

CASES: tuple[str, ...] = ("MOI-02", "MOI-12", "PPMC-02", "PPMC-12")
REPORT_PROVINCES: tuple[str, ...] = (OWN_PROVINCE, OTHER_PROVINCE)


@dataclass(frozen=True)
class RoleHome:
    """Where a role's test user sits: its agency and province."""

    agency: str
    province: str | None


ROLE_HOMES: dict[str, RoleHome] = {
    "ntf_data_officer": RoleHome("NTF", None),
    "provincial_focal_point": RoleHome("PWG-02", OWN_PROVINCE),
    "police_analyst": RoleHome("MOI", None),
    "social_worker": RoleHome("DOSAVY-02", OWN_PROVINCE),
    "ngo_case_worker": RoleHome("AFESIP", None),
    "court_clerk": RoleHome("PPMC", None),
    "statistics_reader": RoleHome("NTF", None),
    "molvt_officer": RoleHome("MOLVT", None),
    "auditor": RoleHome("NTF", None),
    "administrator": RoleHome("NTF", None),
}
"""One user per role of ``roles.yaml`` (the username is the role code)."""


@dataclass
class RoleUser:
    """A signed-up user of one role: credentials, TOTP secret and API token."""

    username: str
    role: str
    password: str
    totp_secret: str | None
    api_token: str

    def code(self) -> str:
        """The TOTP code valid now."""
        assert self.totp_secret is not None
        return pyotp.TOTP(self.totp_secret).now()


@dataclass
class AccessWorld:
    """What was seeded, by the labels of the reference tables.

    Attributes:
        users: role code -> user.
        persons: record key -> the public id of its person.
        cases: case number -> case id.
        review_pairs: ids of the linkage review pairs (may be empty).
        seconds: how long seeding took.
    """

    users: dict[str, RoleUser]
    persons: dict[str, str]
    cases: dict[str, int]
    review_pairs: list[int]
    seconds: float = 0.0


def _layout_for(agency: str, folder: Path) -> Path:
    """The police-register mapping, owned by ``agency``, with village and contact added."""
    text = LAYOUT.read_text(encoding="utf-8")
    text = text.replace("source: moi_police_register", f"source: access_{agency.lower()}_register")
    text = text.replace("agency: MOI", f"agency: {agency}")
    anchor = "      province_code: Home Province\n"
    assert anchor in text, f"{LAYOUT}: the person_record fields changed; update EXTRA_FIELDS"
    text = text.replace(anchor, anchor + EXTRA_FIELDS)
    path = folder / f"access_{agency.lower()}_register.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _export_for(agency: str, folder: Path) -> Path:
    header = ["Person Ref", "Case No", "Role", "Name", "Sex", "Age", "Event Date",
              "Nationality", "Home Province", "Village", "Phone", "Exploitation",
              "Destination", "Case Status"]  # fmt: skip
    path = folder / f"access_{agency.lower()}_export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for record in SEED_RECORDS:
            if record.agency != agency:
                continue
            name, village, contact = record.canaries
            writer.writerow(
                [record.key, record.case_number, record.role, name, record.sex, record.age,
                 "03-03-2008", "Khmer", record.province, village, contact, "labour",
                 "Thailand", "open"]
            )  # fmt: skip
    return path


def seed_records(db: Database, folder: Path) -> None:
    """Import both agencies' exports and link their person records into persons."""
    for agency in ("MOI", "PPMC"):
        mapping = load_mapping(_layout_for(agency, folder))
        result = import_file(db, _export_for(agency, folder), mapping=mapping, imported_by="test")
        assert (result.status, result.rows_stored) == ("committed", 3), result
    # Every pair with any likelihood goes to the review queue, none is merged: the
    # six records stay six persons, and the review routes have pairs to show.
    link(
        db, mode="full", threshold=0.999999, review_lower=0.000001,
        actor=actor_of(db, "ntf_data_officer"),
    )  # fmt: skip


def seed_users(db: Database, system: System, passwords: Passwords) -> dict[str, RoleUser]:
    """One user per role of ``roles.yaml``, with TOTP where the role requires it.

    The system's key file is written with the database's master key, so that the web
    app (which reads the key file) and the services (which use the database's key)
    agree.
    """
    policy = default_policy()
    assert set(ROLE_HOMES) == set(policy.roles), "add the new role to ROLE_HOMES"
    key_file = system.settings.home / "keys" / "master.key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(db.master_key().to_base64() + "\n", encoding="ascii")
    key_file.chmod(0o600)
    users: dict[str, RoleUser] = {}
    with db.session() as session:
        sync_roles(session, policy)
        agencies = dict(session.execute(sa.select(Agency.code, Agency.id)).tuples().all())
        cipher = load_keyring(session, db.master_key()).cipher
        for role, home in ROLE_HOMES.items():
            user = add_user(
                session, None, username=role, display_name=role, role=role,
                agency_id=agencies[home.agency], province_code=home.province,
                password=PASSWORD, passwords=passwords, policy=policy,
            )  # fmt: skip
            secret = None
            if policy.requires_totp(role):
                secret = pyotp.parse_uri(enable_totp(session, None, role, cipher)).secret
            token = create_api_token(session, user.id, "access tests", datetime.now(UTC))
            users[role] = RoleUser(role, role, PASSWORD, secret, token)
    return users


def actor_of(db: Database, username: str) -> Actor:
    """The actor of a seeded user."""
    with db.session() as session:
        user = session.scalars(sa.select(AppUser).where(AppUser.username == username)).one()
        return Actor.of(user)


def seed_referral(db: Database) -> None:
    """The NTF refers the MOI victim of province 12 to an AFESIP shelter, with consent."""
    officer = actor_of(db, "ntf_data_officer")
    with db.session() as session:
        import_providers(session)
        provider = session.scalars(
            sa.select(ServiceProvider.id).where(ServiceProvider.code == REFERRAL_PROVIDER)
        ).one()
        record_id = _record_ids(session)[f"MOI-{OTHER_PROVINCE}-victim"]
        create_referral(
            session, officer, record_id, provider, Consent(date(2008, 3, 4)),
            referral_date=date(2008, 3, 4), cipher=keyring_for(db).cipher,
        )  # fmt: skip


def seed_reports(db: Database) -> None:
    """A submitted report of each province for :data:`PERIOD` (by the local operator)."""
    with db.session() as session:
        for province in REPORT_PROVINCES:
            submissions.save_draft(session, f"pwg-{province}", province, PERIOD, REPORT_VALUES)
            submissions.submit(session, f"pwg-{province}", province, PERIOD)


def seed_release(db: Database, folder: Path) -> None:
    """The year 2008 released (by the local operator): readers are served it."""
    from tipdata.reporting.releases import release_report
    from tipdata.reporting.tip import tip_report

    report = tip_report(db, date(2008, 1, 1), date(2008, 12, 31))
    release_report(db, report, folder / "releases", actor=None, threshold=10)


def _record_ids(session: sa.orm.Session) -> dict[str, int]:
    rows = session.execute(
        sa.select(SourceRecord.source_key, PersonRecord.id).join(
            PersonRecord, PersonRecord.source_record_id == SourceRecord.id
        )
    )
    return dict(rows.tuples().all())


def build_world(system: System, folder: Path, passwords: Passwords) -> AccessWorld:
    """Seed everything of the module docstring and return its labels.

    Args:
        system: a system on a fresh, migrated database.
        folder: where to write the agency exports and mappings.
        passwords: the password hasher (tests pass cheap parameters).

    Returns:
        The users and the ids of the seeded persons, cases and review pairs.
    """
    started = datetime.now(UTC)
    db = system.db
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    users = seed_users(db, system, passwords)
    seed_records(db, folder)
    seed_referral(db)
    seed_reports(db)
    seed_release(db, folder)
    with db.session() as session:
        record_ids = _record_ids(session)
        person_of = dict(
            session.execute(
                sa.select(PersonRecord.id, Person.public_id).join(
                    Person, Person.id == PersonRecord.person_id
                )
            )
            .tuples()
            .all()
        )
        persons = {key: person_of[record_ids[key]] for key in (r.key for r in SEED_RECORDS)}
        assert len(set(persons.values())) == len(SEED_RECORDS), f"linkage merged: {persons}"
        cases = dict(session.execute(sa.select(Case.case_number, Case.id)).tuples().all())
        assert sorted(cases) == sorted(CASES)
        pairs = list(session.scalars(sa.select(ReviewPair.id).order_by(ReviewPair.id)))
    seconds = (datetime.now(UTC) - started).total_seconds()
    return AccessWorld(users, persons, cases, pairs, seconds)
