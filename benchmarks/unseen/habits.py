"""Names and recording habits of the unseen evaluation sets, as data.

Written for this package only (nothing is taken from ``tipdata/demo``): the lists and
rules below come from what is generally known about names in Cambodia and about
clerical error, each with a note on where the habit comes from. Weights are relative
frequencies; rules are applied by :mod:`benchmarks.unseen.clerk`.

All names are common given and family names; the people made from them are synthetic.
"""

from __future__ import annotations

# --- Khmer family names ---------------------------------------------------------------
# Cambodian family names are few and heavily skewed (a handful of Sino-Khmer and Khmer
# surnames cover a large share of the population); the weights give that skew.
KHMER_FAMILY: dict[str, float] = {
    "Sok": 60, "Chea": 45, "Keo": 40, "Kim": 35, "Chan": 30, "Heng": 25, "Ly": 22,
    "Meas": 20, "Seng": 20, "Sim": 18, "Mao": 16, "Pich": 15, "Prak": 14, "Chhun": 13,
    "Long": 12, "Yim": 12, "Touch": 11, "Ouk": 11, "Ros": 10, "Ngin": 9, "Hor": 9,
    "Sorn": 8, "Vann": 8, "Tep": 8, "Nget": 7, "Sous": 7, "Mom": 7, "Oum": 6, "Kong": 6,
    "Chhim": 6, "Lim": 6, "Nuon": 5, "Nhek": 5, "Thach": 5, "Svay": 4, "Khieu": 4,
    "Bun": 4, "Pen": 4, "Nov": 3, "Sao": 3, "Ung": 3, "Uch": 3, "Phan": 3, "Tith": 3,
    "Hem": 3, "Roeun": 2, "Chhay": 2, "Em": 2, "Say": 2, "Lay": 2,
}  # fmt: skip

# Given names: women often carry "Srey" (woman) as the first part, written joined or
# apart by different clerks ("Sreymom", "Srey Mom").
KHMER_GIVEN_FEMALE: dict[str, float] = {
    "Sokny": 8, "Srey Mom": 9, "Srey Neang": 7, "Sophea": 9, "Sopheap": 7, "Channy": 8,
    "Dany": 6, "Bopha": 7, "Sokha": 6, "Chanthou": 5, "Srey Pov": 6, "Srey Leak": 6,
    "Raksmey": 5, "Sothea": 5, "Kunthea": 5, "Malis": 4, "Sokunthea": 4, "Pisey": 5,
    "Srey Nich": 5, "Leakhena": 4, "Phalla": 4, "Thida": 5, "Chenda": 4, "Nary": 4,
    "Vanna": 4, "Kanha": 3, "Srey Mao": 4, "Srey Roth": 3, "Chantrea": 3, "Sothy": 3,
    "Sokleap": 3, "Mealea": 3, "Navy": 3, "Socheata": 3, "Srey Pich": 4, "Theary": 3,
    "Lida": 2, "Sreyneth": 2, "Chamroeun": 2, "Sophorn": 2,
}  # fmt: skip
KHMER_GIVEN_MALE: dict[str, float] = {
    "Dara": 8, "Sokha": 6, "Vuthy": 6, "Piseth": 5, "Sovann": 5, "Rithy": 5, "Sophal": 5,
    "Vannak": 4, "Bunthoeun": 3, "Chantha": 4, "Kosal": 4, "Sambath": 4, "Visal": 4,
    "Samnang": 5, "Vibol": 3, "Mony": 3, "Sokhom": 3, "Phirun": 3, "Kimsan": 2, "Bora": 4,
    "Narith": 3, "Sarun": 3, "Thearith": 3, "Pheakdey": 3, "Ratanak": 3, "Vichet": 3,
    "Sothy": 3, "Chhay": 2, "Sokun": 2, "Veasna": 3,
}  # fmt: skip

# --- Vietnamese names -------------------------------------------------------------------
# Vietnamese family names: Nguyen alone is borne by about four in ten Vietnamese, then
# Tran, Le, Pham; the weights follow that well-known skew. Written here without
# diacritics; :data:`VIETNAMESE_DIACRITICS` gives the written forms some clerks use.
VIETNAMESE_FAMILY: dict[str, float] = {
    "Nguyen": 38, "Tran": 11, "Le": 9, "Pham": 7, "Huynh": 5, "Hoang": 4, "Phan": 4,
    "Vo": 4, "Dang": 2, "Bui": 2, "Do": 1.5, "Ho": 1.3, "Ngo": 1.3, "Duong": 1, "Ly": 0.5,
}  # fmt: skip
# The middle name marks sex in most families: "Thi" for women, "Van" for men; others
# (Ngoc, Thanh, Minh, Hong, Kim) are chosen names.
VIETNAMESE_MIDDLE_FEMALE: dict[str, float] = {"Thi": 80, "Ngoc": 7, "Hong": 5, "Kim": 4, "Thanh": 4}
VIETNAMESE_MIDDLE_MALE: dict[str, float] = {"Van": 75, "Minh": 9, "Thanh": 8, "Duc": 5, "Quoc": 3}
VIETNAMESE_GIVEN_FEMALE: dict[str, float] = {
    "Lan": 6, "Hoa": 6, "Mai": 6, "Huong": 5, "Linh": 5, "Thao": 5, "Trang": 5, "Hang": 4,
    "Nga": 4, "Phuong": 4, "Thu": 4, "Hanh": 3, "Dung": 3, "Yen": 3, "Nhung": 3, "Loan": 3,
    "Tuyet": 2, "Hue": 3, "My": 2, "Ngoc": 2,
}  # fmt: skip
VIETNAMESE_GIVEN_MALE: dict[str, float] = {
    "Hung": 5, "Tuan": 5, "Minh": 4, "Nam": 4, "Hai": 4, "Long": 3, "Son": 3, "Dung": 3,
    "Thanh": 3, "Cuong": 3, "Phuc": 2, "Quang": 2, "Binh": 2,
}  # fmt: skip
VIETNAMESE_DIACRITICS: dict[str, str] = {
    "Nguyen": "Nguyễn", "Tran": "Trần", "Le": "Lê", "Pham": "Phạm", "Huynh": "Huỳnh",
    "Hoang": "Hoàng", "Vo": "Võ", "Dang": "Đặng", "Bui": "Bùi", "Do": "Đỗ", "Ho": "Hồ",
    "Ngo": "Ngô", "Duong": "Dương", "Thi": "Thị", "Van": "Văn", "Huong": "Hương",
    "Thao": "Thảo", "Hang": "Hằng", "Phuong": "Phương", "Hanh": "Hạnh", "Dung": "Dung",
    "Yen": "Yến", "Tuyet": "Tuyết", "Hue": "Huệ", "Hung": "Hùng", "Tuan": "Tuấn",
    "Hai": "Hải", "Cuong": "Cường", "Phuc": "Phúc", "Duc": "Đức", "Quoc": "Quốc",
    "Ngoc": "Ngọc", "Hong": "Hồng",
}  # fmt: skip

# --- Khmer romanisation variants ------------------------------------------------------
# Khmer has no single romanisation in daily use: the UNGEGN/BGN systems, the French-era
# spellings on identity papers and each clerk's phonetic writing give different Latin
# forms of one written name. Each rule: (pattern, replacement, where, weight). ``where``
# is "any" (inside a word), "start" or "end". A rule is tried in both directions by the
# clerk when ``both`` is true. Sources of the habits (general knowledge, no text copied):
# - ch / j: the consonant ជ is written "ch" (UNGEGN) or "j" (phonetic, English speakers);
# - ea / ia and ie / ea: the vowel of "Chea", "Meas", "Leakhena" is heard as "ia";
# - ou / u, oeu / eu / oe: vowel spellings differ between French-era and English-era
#   writers ("Touch" / "Tuch", "Chhoun" / "Chhun", "Bunthoeun" / "Buntheun");
# - double letters: "Channy" / "Chany", "Sokkha" / "Sokha", "Dany" / "Danny";
# - final h: a final glottal stop or aspiration is written by some ("Chea" / "Cheah");
# - k / g and th / t, ph / p, kh / k: unaspirated and aspirated stops are confused by
#   writers whose language does not distinguish them ("Kong" / "Gong", "Thida" /
#   "Tida", "Phalla" / "Palla", "Khim" / "Kim");
# - v / w: "Vanna" / "Wanna" (English-speaking NGO staff);
# - ey / ei / y at a word's end: "Srey" / "Srei", "Pisey" / "Pisei", "Channy" / "Channi";
# - o / ao / au: "Keo" / "Kaev" (UNGEGN writes the vowel "ae", French "eo").
ROMANISATION_RULES: list[tuple[str, str, str, float, bool]] = [
    ("ch", "j", "start", 3, True),
    ("ea", "ia", "any", 4, True),
    ("ie", "ea", "any", 1, False),
    ("ou", "u", "any", 3, True),
    ("oeu", "eu", "any", 2, True),
    ("oeu", "oe", "any", 1, False),
    ("nn", "n", "any", 3, True),
    ("ny", "nny", "end", 2, False),
    ("kh", "kkh", "any", 1, False),
    ("a", "ah", "end", 2, True),
    ("ea", "eah", "end", 2, True),
    ("k", "g", "start", 2, True),
    ("th", "t", "any", 3, True),
    ("ph", "p", "start", 2, True),
    ("kh", "k", "start", 1, True),
    ("v", "w", "start", 1, True),
    ("ey", "ei", "end", 3, True),
    ("y", "i", "end", 2, True),
    ("eo", "aev", "any", 1, True),
    ("o", "au", "any", 1, False),
    ("s", "ss", "end", 1, True),
]

# --- Clerical error ---------------------------------------------------------------------
# Typing and reading errors in copied registers: letters swapped (two keystrokes out of
# order, "Pich" / "Pcih"), one letter dropped or doubled, a neighbouring key struck, and
# OCR confusions when a scanned form is typed by software ("rn" read as "m", "l" as "I").
# Each is applied to one word of a name.
KEYBOARD_NEIGHBOURS: dict[str, str] = {
    "a": "qsz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh",
    "h": "gj", "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip",
    "p": "o", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "y": "tu",
}  # fmt: skip
OCR_CONFUSIONS: list[tuple[str, str]] = [
    ("rn", "m"), ("m", "rn"), ("l", "I"), ("cl", "d"), ("h", "b"), ("e", "c"), ("o", "0"),
    ("i", "l"), ("u", "v"), ("n", "h"),
]  # fmt: skip
TYPO_KINDS: dict[str, float] = {
    "transpose": 4,  # adjacent letters swapped
    "drop": 3,  # a letter left out
    "double": 2,  # a letter struck twice
    "neighbour": 2,  # a neighbouring key
    "ocr": 1,  # a scanned form read by software
}

# --- Titles and nicknames -------------------------------------------------------------
# English-language NGO and Thai documents put a title before a name; Khmer speakers call
# younger people by a familiar prefix and one syllable of the given name ("A Mom" for
# Sreymom, "Mi Pov" for a girl, "A Dara" for a boy), which shelters note in brackets.
TITLES_FEMALE: dict[str, float] = {"Ms.": 4, "Miss": 4, "Mrs.": 1, "Neang": 2}
TITLES_MALE: dict[str, float] = {"Mr.": 5, "Master": 1, "Lok": 1}
NICKNAME_PREFIXES_FEMALE: dict[str, float] = {"A": 3, "Mi": 2, "Srey": 1}
NICKNAME_PREFIXES_MALE: dict[str, float] = {"A": 4, "Bong": 1}

# --- Ages as written -----------------------------------------------------------------------
# Ages in shelter files are typed as said or estimated: with a unit, approximate, or as a
# bare number. Templates take the age in years.
AGE_WITH_UNITS: dict[str, float] = {
    "{}y": 4, "{} yrs": 3, "{} years": 2, "{}yo": 1, "approx {}": 1, "{}?": 1, "{}": 6,
}  # fmt: skip

# --- Provinces, written as agencies write them --------------------------------------------
# Province code -> spellings seen in files (all accepted by tipdata's province list), and
# a weight for where people in these sets come from (border and poor rural provinces,
# Phnom Penh for the sex trade).
PROVINCES: dict[str, tuple[float, list[str]]] = {
    "01": (9, ["Banteay Meanchey", "B. Meanchey", "Banteay Mean Chay"]),
    "02": (7, ["Battambang", "Batdambang"]),
    "03": (8, ["Kampong Cham", "Kg. Cham", "Kompong Cham"]),
    "04": (4, ["Kampong Chhnang", "Kg. Chhnang"]),
    "05": (4, ["Kampong Speu", "Kg. Speu", "Kompong Speu"]),
    "06": (3, ["Kampong Thom", "Kompong Thom"]),
    "07": (2, ["Kampot", "Kompot"]),
    "08": (5, ["Kandal"]),
    "09": (2, ["Koh Kong", "Kaoh Kong"]),
    "12": (9, ["Phnom Penh", "P. Penh", "PP"]),
    "14": (6, ["Prey Veng", "Prey Vaeng"]),
    "15": (2, ["Pursat", "Pouthisat"]),
    "17": (5, ["Siem Reap", "Siemrap"]),
    "18": (2, ["Sihanoukville", "Preah Sihanouk", "Kompong Som"]),
    "20": (4, ["Svay Rieng"]),
    "21": (4, ["Takeo", "Takev"]),
    "22": (2, ["Oddar Meanchey", "Otdar Meanchey"]),
}
