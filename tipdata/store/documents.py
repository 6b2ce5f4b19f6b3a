"""Identity documents: the passports, national ids and worker ids a source recorded.

A person record may carry several (a passport and an LMIS worker id, an old and a
re-issued passport). The number and the dates are ciphertext, like a person record's
names (see ``tipdata.access.documents``); ``number_bidx`` is the keyed HMAC of the
normalised number, for exact-match search and for linkage (equal index = same number).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tipdata.model.enums import DocumentKind
from tipdata.store.base import Base, IdMixin, OwnedMixin, enum_type


class IdentityDocument(IdMixin, OwnedMixin, Base):
    """One identity document of a person record, as the source wrote it (encrypted)."""

    __tablename__ = "identity_document"

    person_record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person_record.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind, "kind"))
    number: Mapped[str] = mapped_column(sa.Text, info={"protected": True})
    """The normalised number (upper case, no spaces or hyphens), encrypted."""
    number_bidx: Mapped[str] = mapped_column(sa.String(64), index=True)
    """Keyed HMAC of the normalised number (``BlindIndex.document_index``)."""
    issuing_country: Mapped[str | None] = mapped_column(sa.ForeignKey("country.iso3"))
    issue_date: Mapped[str | None] = mapped_column(sa.Text, info={"protected": True})
    """ISO date, encrypted (a date of issue is as specific as a date of birth)."""
    expiry_date: Mapped[str | None] = mapped_column(sa.Text, info={"protected": True})
    """ISO date, encrypted."""

    __table_args__ = (sa.UniqueConstraint("person_record_id", "kind", "number_bidx"),)
