"""Synthetic name parts and the ways agencies write them.

Every name part has one canonical romanisation, its Khmer-script form (for Khmer
names) and the romanisation variants clerks actually produce (Sokha / Sokhar /
Sokhaa). The generator draws a *true* name once per person; each agency then
renders it with its own habits: family-first or given-first order, a spelling
variant, a typo, or the Khmer script. All names are invented combinations of
common name parts; no real person is described.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

Ethnicity = Literal["khmer", "vietnamese", "thai", "chinese", "foreign"]
Sex = Literal["F", "M"]


@dataclass(frozen=True, slots=True)
class NamePart:
    """One name part: canonical romanisation, Khmer script (if any) and variants."""

    latin: str
    khmer: str | None
    variants: tuple[str, ...] = ()


def _parts(rows: list[tuple[str, str | None, str]]) -> tuple[NamePart, ...]:
    return tuple(
        NamePart(latin, khmer, tuple(v for v in variants.split("|") if v))
        for latin, khmer, variants in rows
    )


KHMER_FAMILY: tuple[NamePart, ...] = _parts(
    [
        ("Sok", "សុខ", "Sokh|Sauk"),
        ("Chan", "ចាន់", "Chann|Chanh"),
        ("Keo", "កែវ", "Kaev|Kev|Keou"),
        ("Heng", "ហេង", "Hen|Hieng"),
        ("Chhun", "ឈុន", "Chun|Chhoun"),
        ("Khieu", "ខៀវ", "Kieu|Khiev"),
        ("Phan", "ផាន់", "Pan|Phann"),
        ("Seng", "សេង", "Sieng|Saeng"),
        ("Mao", "ម៉ៅ", "Mau|Mao"),
        ("Nuon", "នួន", "Noun|Nuan"),
        ("Khim", "ឃឹម", "Kim|Khem"),
        ("Bun", "ប៊ុន", "Boun|Bunn"),
        ("Suon", "សួន", "Soun|Suan"),
        ("Yim", "យឹម", "Yem|Yoem"),
        ("Tep", "ទេព", "Teb|Tep"),
        ("Ouk", "អ៊ុក", "Uk|Ok"),
        ("Pich", "ពេជ្រ", "Pech|Petch"),
        ("Prak", "ប្រាក់", "Brak|Prakh"),
        ("Meas", "មាស", "Mea|Meah"),
        ("Ros", "រស់", "Ross|Rous"),
        ("Vong", "វង្ស", "Vung|Vorng"),
        ("Chhim", "ឈឹម", "Chim|Chhem"),
        ("Ly", "លី", "Lee|Li"),
        ("Hem", "ហែម", "Hem|Haem"),
        ("Kong", "គង់", "Kung|Korng"),
        ("Long", "ឡុង", "Lorng|Loung"),
        ("Touch", "ទូច", "Toch|Tuch"),
        ("Chea", "ជា", "Chear|Cheah"),
        ("Lim", "លឹម", "Lem|Lim"),
        ("Prum", "ព្រំ", "Prom|Proum"),
        ("Sar", "ស", "Sa|Sor"),
        ("Nhem", "ញ៉ែម", "Nhim|Nem"),
    ]
)

KHMER_GIVEN_F: tuple[NamePart, ...] = _parts(
    [
        ("Sokha", "សុខា", "Sokhar|Sokhaa|Sokah"),
        ("Chanthy", "ចាន់ធី", "Chantey|Chanthi|Chanthee"),
        ("Sreymom", "ស្រីមុំ", "Srey Mom|Srei Mom|Sreymum"),
        ("Sreyneang", "ស្រីនាង", "Srey Neang|Sreynang|Srei Neang"),
        ("Thida", "ធីតា", "Tida|Theeda|Thidar"),
        ("Sophea", "សោភា", "Sophia|Sopha|Sopheaa"),
        ("Chantha", "ចន្ថា", "Chanta|Chanthar|Chantaa"),
        ("Sreypov", "ស្រីពៅ", "Srey Pov|Srei Pov|Sreypou"),
        ("Vanna", "វណ្ណា", "Vana|Vannah|Vanaa"),
        ("Bopha", "បុប្ផា", "Bupha|Bophaa|Popha"),
        ("Ratana", "រតនា", "Rathana|Rattana|Ratanak"),
        ("Sreyleak", "ស្រីល័ក្ខ", "Srey Leak|Sreyleakh|Srei Leak"),
        ("Sopheap", "សុភាព", "Sopheab|Sophiep|Sopeap"),
        ("Phalla", "ផល្លា", "Phala|Palla|Phallah"),
        ("Chenda", "ចិន្តា", "Chinda|Chendar|Chendaa"),
        ("Kunthea", "គន្ធា", "Kanthea|Konthea|Kunthia"),
        ("Reaksmey", "រស្មី", "Raksmey|Reaksmei|Reaksmy"),
        ("Maly", "ម៉ាលី", "Mali|Malee|Malei"),
        ("Nary", "ណារី", "Nari|Naree|Narey"),
        ("Pisey", "ពិសី", "Pisei|Pisay|Pesey"),
        ("Leakhena", "លក្ខិណា", "Leakena|Leakhina|Lakhena"),
        ("Srey Oun", "ស្រីអូន", "Sreyoun|Srei Oun|Srey Un"),
        ("Sokunthea", "សុគន្ធា", "Sokonthea|Sokunthia|Sokanthea"),
        ("Channary", "ចាន់ណារី", "Chanary|Channari|Chan Nary"),
    ]
)

KHMER_GIVEN_M: tuple[NamePart, ...] = _parts(
    [
        ("Vichet", "វិចិត្រ", "Vicheth|Vichit|Vichhet"),
        ("Dara", "ដារ៉ា", "Darah|Daraa|Darra"),
        ("Samnang", "សំណាង", "Somnang|Samnag|Sam Nang"),
        ("Bora", "បូរ៉ា", "Borah|Borra|Bura"),
        ("Piseth", "ពិសិដ្ឋ", "Pisith|Piset|Pisoth"),
        ("Veasna", "វាសនា", "Veasnar|Vesna|Veasnaa"),
        ("Rithy", "រិទ្ធី", "Ritthy|Rithi|Rity"),
        ("Sopheak", "សុភ័ក្ត្រ", "Sophak|Sopheakh|Sophaek"),
        ("Pheakdey", "ភក្ដី", "Pheakdei|Peakdey|Pheakdy"),
        ("Sovann", "សុវណ្ណ", "Sovan|Sowan|Sovanh"),
        ("Chamroeun", "ចំរើន", "Chamreun|Chamroen|Chamrern"),
        ("Kosal", "កុសល", "Kusal|Kosol|Kossal"),
        ("Vuthy", "វុទ្ធី", "Vuthi|Voeuthy|Vutthy"),
        ("Theara", "ធារ៉ា", "Thearah|Tiara|Thera"),
        ("Sambath", "សម្បត្តិ", "Sambat|Sombath|Sampath"),
        ("Visal", "វិសាល", "Visall|Vesal|Visaal"),
        ("Makara", "មករា", "Makarar|Makra|Mackara"),
        ("Sothea", "សុធា", "Sotheaa|Sotha|Sothear"),
    ]
)

VIETNAMESE_FAMILY: tuple[NamePart, ...] = _parts(
    [
        ("Nguyen", None, "Nguyễn|Ngyuen|Nguyenh|Nguyên"),
        ("Tran", None, "Trần|Trant|Tranh"),
        ("Le", None, "Lê|Lé"),
        ("Pham", None, "Phạm|Fam|Pam"),
        ("Hoang", None, "Hoàng|Huang|Hoan"),
        ("Vo", None, "Võ|Vu"),
        ("Dang", None, "Đặng|Dan"),
        ("Bui", None, "Bùi|Bue"),
    ]
)
VIETNAMESE_GIVEN_F: tuple[NamePart, ...] = _parts(
    [
        ("Thi Lan", None, "Thị Lan|Thy Lan|Lan"),
        ("Thi Hoa", None, "Thị Hoa|Thy Hoa|Hoa"),
        ("Thi Mai", None, "Thị Mai|Thy Mai|Mai"),
        ("Thi Huong", None, "Thị Hương|Thi Houng|Huong"),
        ("Thi Thao", None, "Thị Thảo|Thi Tao|Thao"),
        ("Thi Linh", None, "Thị Linh|Thi Lin|Linh"),
        ("Thi Ngoc", None, "Thị Ngọc|Thi Ngok|Ngoc"),
        ("Thi Trang", None, "Thị Trang|Thi Chang|Trang"),
    ]
)
VIETNAMESE_GIVEN_M: tuple[NamePart, ...] = _parts(
    [
        ("Van Hung", None, "Văn Hùng|Van Houng|Hung"),
        ("Van Minh", None, "Văn Minh|Van Minn|Minh"),
        ("Van Tuan", None, "Văn Tuấn|Van Toan|Tuan"),
        ("Van Nam", None, "Văn Nam|Van Namh|Nam"),
    ]
)
THAI_FAMILY: tuple[NamePart, ...] = _parts(
    [
        ("Srisuk", None, "Srisook|Sri Suk"),
        ("Boonmee", None, "Bunmee|Boonmi"),
        ("Chaiyaporn", None, "Chaiyaphon|Chayaporn"),
        ("Wongsawat", None, "Wongsawad|Vongsawat"),
    ]
)
THAI_GIVEN_F: tuple[NamePart, ...] = _parts(
    [("Suda", None, "Sudaa|Soda"), ("Malee", None, "Mali|Malii"), ("Nok", None, "Nook")]
)
THAI_GIVEN_M: tuple[NamePart, ...] = _parts(
    [
        ("Somchai", None, "Somchay|Som Chai"),
        ("Somsak", None, "Somsack|Som Sak"),
        ("Prasert", None, "Prasoet|Prasirt"),
    ]
)
CHINESE_FAMILY: tuple[NamePart, ...] = _parts(
    [
        ("Wang", None, "Wong|Vang"),
        ("Chen", None, "Chhen|Chan"),
        ("Zhang", None, "Chang|Jang"),
        ("Liu", None, "Lau|Liou"),
        ("Taing", "តាំង", "Taeng|Tang"),
        ("Ung", "អ៊ុង", "Oung|Ong"),
    ]
)
CHINESE_GIVEN_F: tuple[NamePart, ...] = _parts(
    [("Mei", None, "May|Mey"), ("Hua", None, "Hwa|Hoa"), ("Ying", None, "Yeng|Yin")]
)
CHINESE_GIVEN_M: tuple[NamePart, ...] = _parts(
    [("Wei", None, "Way|Wey"), ("Ming", None, "Meng|Minh"), ("Jie", None, "Chieh|Jei")]
)
FOREIGN_FAMILY: tuple[NamePart, ...] = _parts(
    [
        ("Martel", None, "Martell|Martelle"),
        ("Keller", None, "Kellar|Keler"),
        ("Dubreuil", None, "Dubreil|Dubreuille"),
        ("Hartman", None, "Hartmann|Hardman"),
    ]
)
FOREIGN_GIVEN_M: tuple[NamePart, ...] = _parts(
    [("Pieter", None, "Peter|Pietr"), ("Lucien", None, "Lucian|Lusien"), ("Arno", None, "Arnaud")]
)

_TABLES: dict[
    Ethnicity, tuple[tuple[NamePart, ...], tuple[NamePart, ...], tuple[NamePart, ...]]
] = {
    "khmer": (KHMER_FAMILY, KHMER_GIVEN_F, KHMER_GIVEN_M),
    "vietnamese": (VIETNAMESE_FAMILY, VIETNAMESE_GIVEN_F, VIETNAMESE_GIVEN_M),
    "thai": (THAI_FAMILY, THAI_GIVEN_F, THAI_GIVEN_M),
    "chinese": (CHINESE_FAMILY, CHINESE_GIVEN_F, CHINESE_GIVEN_M),
    "foreign": (FOREIGN_FAMILY, FOREIGN_GIVEN_M, FOREIGN_GIVEN_M),
}


@dataclass(frozen=True, slots=True)
class TrueName:
    """A person's true name: family and given part, and the ethnicity they come from."""

    family: NamePart
    given: NamePart
    ethnicity: Ethnicity

    @property
    def latin(self) -> str:
        """Canonical romanisation, family name first (Cambodian and Vietnamese order)."""
        return f"{self.family.latin} {self.given.latin}"

    @property
    def khmer(self) -> str | None:
        """Khmer-script form, family name first, or None when a part has no Khmer form."""
        if self.family.khmer is None or self.given.khmer is None:
            return None
        return f"{self.family.khmer} {self.given.khmer}"


def draw_name(rng: random.Random, sex: Sex, ethnicity: Ethnicity) -> TrueName:
    """Draw a true name for a person of the given sex and ethnicity.

    Args:
        rng: the random stream to draw from.
        sex: "F" or "M".
        ethnicity: which name table to use.

    Returns:
        The person's true name.
    """
    family, given_f, given_m = _TABLES[ethnicity]
    given = given_f if sex == "F" else given_m
    return TrueName(rng.choice(family), rng.choice(given), ethnicity)


# Generic romanisation habits, applied on top of the listed variants.
_SWAPS: tuple[tuple[str, str], ...] = (
    ("Chh", "Ch"),
    ("Kh", "K"),
    ("Ph", "P"),
    ("Th", "T"),
    ("ea", "ia"),
    ("ey", "ei"),
    ("ou", "u"),
    ("nn", "n"),
    ("ll", "l"),
)


def spell(part: NamePart, rng: random.Random, variant_rate: float) -> str:
    """Write one name part the way a clerk might: canonical, a variant, or a generic habit.

    Args:
        part: the name part.
        rng: the random stream.
        variant_rate: probability of not writing the canonical romanisation.

    Returns:
        The romanised part as written.
    """
    if rng.random() >= variant_rate:
        return part.latin
    if part.variants and rng.random() < 0.7:
        return rng.choice(part.variants)
    text = part.latin
    applicable = [(a, b) for a, b in _SWAPS if a in text]
    if applicable:
        a, b = rng.choice(applicable)
        return text.replace(a, b, 1)
    if text.endswith(("a", "o")):
        return text + rng.choice(("h", "r"))
    if text.endswith(("h", "r")) and len(text) > 3:
        return text[:-1]
    return text


def typo(text: str, rng: random.Random) -> str:
    """Introduce one keyboard typo (drop, double or swap a letter) in a word of 4+ letters."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 4:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if text[i + 1 : i + 2].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text


@dataclass(frozen=True, slots=True)
class WrittenName:
    """A name as one agency wrote it."""

    family: str
    given: str
    khmer: str | None

    def family_first(self) -> str:
        """Family name, then given name."""
        return f"{self.family} {self.given}".strip()

    def given_first(self) -> str:
        """Given name, then family name."""
        return f"{self.given} {self.family}".strip()


def write_name(
    name: TrueName,
    rng: random.Random,
    *,
    variant_rate: float = 0.3,
    typo_rate: float = 0.04,
    swap_rate: float = 0.0,
    khmer_rate: float = 0.0,
) -> WrittenName:
    """Render a true name with an agency's habits.

    Args:
        name: the true name.
        rng: the random stream.
        variant_rate: share of parts written with a romanisation variant.
        typo_rate: share of names with one typo.
        swap_rate: share of names whose family and given parts are swapped by the clerk.
        khmer_rate: share of names also (or only) written in Khmer script, where available.

    Returns:
        The written name; ``khmer`` is None unless Khmer script was used.
    """
    family = spell(name.family, rng, variant_rate)
    given = spell(name.given, rng, variant_rate)
    if rng.random() < typo_rate:
        if rng.random() < 0.5:
            family = typo(family, rng)
        else:
            given = typo(given, rng)
    if rng.random() < swap_rate:
        family, given = given, family
    khmer = name.khmer if name.khmer and rng.random() < khmer_rate else None
    return WrittenName(family, given, khmer)
