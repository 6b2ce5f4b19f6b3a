"""Romanisation keys for Cambodian names, and romanisation of Khmer script.

Two rule tables, both data files beside this module:

* ``khmer_romanisation.yaml``: ordered rewrite rules that turn any Latin spelling of a
  Khmer name into a comparison key (Sokha / Sokhar / Sokhaa -> ``suka``).
* ``khmer_script.yaml``: consonants with their series, dependent and independent vowels,
  subscripts and diacritics, used to read names written in Khmer script
  (សុខា -> ``sokha``).

``romanisation_key`` accepts either script, so ``romanisation_key("សុខា") ==
romanisation_key("Sokha")``. The tables are documented in ``docs/linkage-names.md``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from unidecode import unidecode

from tipdata.errors import DataFileError

KEY_RULES_FILE = Path(__file__).with_name("khmer_romanisation.yaml")
KHMER_SCRIPT_FILE = Path(__file__).with_name("khmer_script.yaml")

_KHMER_BLOCK = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")
_KHMER_RUN = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]+")
_NOT_LETTERS = re.compile(r"[^a-z]+")
_MAX_PASSES = 10

Series = Literal["a", "o"]


class RomanisationRulesError(DataFileError):
    """A romanisation rule table is malformed."""


# --------------------------------------------------------------------------------------
# The key for Latin spellings
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRule:
    """One rewrite rule of the romanisation key.

    Attributes:
        pattern: compiled regular expression, applied to one word at a time.
        replace: replacement text (``\\1`` for groups).
        note: which spelling variation the rule absorbs.
    """

    pattern: re.Pattern[str]
    replace: str
    note: str


def load_key_rules(path: Path = KEY_RULES_FILE) -> tuple[KeyRule, ...]:
    """Read and validate the ordered key rules.

    Args:
        path: the YAML rule file.

    Returns:
        The rules in file order.

    Raises:
        RomanisationRulesError: the file is not a list of rules, or a rule has no
            pattern, an invalid regular expression, or no note.
    """
    document = _read_yaml(path)
    raw_rules = document.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RomanisationRulesError(path, "expected a non-empty list under 'rules'")
    rules: list[KeyRule] = []
    for index, raw in enumerate(raw_rules):
        where = f"rules[{index}]"
        if not isinstance(raw, dict):
            raise RomanisationRulesError(path, "a rule must be a mapping", field=where)
        pattern, replace, note = raw.get("pattern"), raw.get("replace"), raw.get("note")
        if not isinstance(pattern, str) or not pattern:
            raise RomanisationRulesError(path, "missing 'pattern'", field=where)
        if not isinstance(replace, str):
            raise RomanisationRulesError(path, "missing 'replace'", field=where)
        if not isinstance(note, str) or not note.strip():
            raise RomanisationRulesError(path, "every rule needs a 'note'", field=where)
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            raise RomanisationRulesError(
                path, f"invalid regular expression: {error}", field=where, value=pattern
            ) from error
        rules.append(KeyRule(compiled, replace, note))
    return tuple(rules)


@lru_cache(maxsize=1)
def _default_key_rules() -> tuple[KeyRule, ...]:
    return load_key_rules()


def key_word(word: str, rules: tuple[KeyRule, ...] | None = None) -> str:
    """Apply the key rules to one lower-case a-z word until nothing changes.

    Args:
        word: one word, already lower-case ASCII letters.
        rules: the rules to apply; the project table by default.

    Returns:
        The word's key.
    """
    if rules is None:
        return _default_key_word(word)
    return _apply_key_rules(word, rules)


@lru_cache(maxsize=500_000)
def _default_key_word(word: str) -> str:
    """A word's key with the project table, cached (a few thousand words make most names)."""
    return _apply_key_rules(word, _default_key_rules())


def _apply_key_rules(word: str, active: tuple[KeyRule, ...]) -> str:
    """Apply ``active`` rules until nothing changes (at most ``_MAX_PASSES`` passes)."""
    for _ in range(_MAX_PASSES):
        before = word
        for rule in active:
            word = rule.pattern.sub(rule.replace, word)
        if word == before:
            break
    return word


def latin_words(text: str) -> list[str]:
    """Split text into lower-case a-z words, romanising Khmer script on the way.

    Args:
        text: a name in any script.

    Returns:
        The words, in order; empty when the text has no letters.

    Examples:
        >>> latin_words("Nguyễn Thị-Lan")
        ['nguyen', 'thi', 'lan']
    """
    text = unicodedata.normalize("NFKC", text)
    text = _KHMER_RUN.sub(lambda match: " " + romanise_khmer(match.group()) + " ", text)
    text = unidecode(text).casefold()
    return [word for word in _NOT_LETTERS.split(text) if word]


def romanisation_key(name: str, *, compact: bool = False) -> str:
    """The romanisation key of a name, in Latin letters or in Khmer script.

    Variant spellings of one Khmer name share a key: ``Sokha``, ``Sokhar``,
    ``Sokhaa`` and ``សុខា`` all give ``suka``. Words keep their order and are joined by
    one space; with ``compact`` the spaces are dropped (and a letter doubled across
    words written once, as inside a word), so ``Srey Mom`` and ``Sreymom`` compare
    equal, and so do ``Văn-na`` and ``Vanna``.

    Args:
        name: the name as written.
        compact: join the word keys without spaces.

    Returns:
        The key; an empty string when the name has no letters.

    Examples:
        >>> romanisation_key("Chanthy") == romanisation_key("Chantey")
        True
        >>> romanisation_key("Srey Mom", compact=True) == romanisation_key("Sreymom")
        True
    """
    keys = [key_word(word) for word in latin_words(name)]
    if compact:
        # A letter doubled across words is a syllable boundary, as inside one word:
        # Vietnamese writes Văn-na for Vanna.
        return _DOUBLED.sub(r"\1", "".join(keys))
    return " ".join(key for key in keys if key)


_DOUBLED = re.compile(r"([a-z])\1+")


def joined_key(name: str) -> str:
    """The key of a name's letters read as one word, a doubled letter written once.

    Clerks join and split the syllables of one name (`Sim Sokny` / `SimSokny`, `Keo
    Channy` / `Keo Chan Ny`, `Seng Malis` / `Seng Mal Is`), and a word's key depends on
    where the word ends (`mal` keys as `man`, `malis` as `malis`): keying each piece
    apart gives the two writings different keys, keying the letters as one word gives
    them one. Words are kept in written order, Vietnamese middle names included.

    Args:
        name: the name as written.

    Returns:
        The key; an empty string when the name has no letters.

    Examples:
        >>> joined_key("Seng Mal Is") == joined_key("Seng Malis")
        True
        >>> joined_key("Keo Chan Ny") == joined_key("keo channy")
        True
    """
    letters = "".join(latin_words(name))
    return _DOUBLED.sub(r"\1", key_word(letters)) if letters else ""


# --------------------------------------------------------------------------------------
# Khmer script
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KhmerScriptTable:
    """The Khmer-script rule table, validated (see ``khmer_script.yaml``)."""

    consonants: dict[str, tuple[str, str, Series]]
    shifted_initial: dict[str, str]
    sonorants: frozenset[str]
    inherent: dict[str, Any]
    vowels: dict[str, tuple[str, str]]
    with_nikahit: dict[str, tuple[str, str]]
    with_reahmuk: dict[str, tuple[str, str]]
    independent_vowels: dict[str, str]
    coeng: str
    to_first_series: str
    to_second_series: str
    silencer: str
    nikahit: str
    reahmuk: str
    samyok_sannya: str
    ignored: frozenset[str]
    separators: frozenset[str]
    digits: dict[str, str]
    words: dict[str, str]


def load_khmer_script_table(path: Path = KHMER_SCRIPT_FILE) -> KhmerScriptTable:
    """Read and validate the Khmer-script table.

    Args:
        path: the YAML table.

    Returns:
        The validated table.

    Raises:
        RomanisationRulesError: a section is missing or an entry has the wrong shape.
    """
    doc = _read_yaml(path)

    def section(name: str) -> dict[str, Any]:
        value = doc.get(name)
        if not isinstance(value, dict):
            raise RomanisationRulesError(path, "expected a mapping", field=name)
        return value

    def pairs(name: str) -> dict[str, tuple[str, str]]:
        result: dict[str, tuple[str, str]] = {}
        for key, value in section(name).items():
            if not (isinstance(value, list) and len(value) == 2):
                raise RomanisationRulesError(
                    path, "expected [first-series, second-series]", field=f"{name}.{key}"
                )
            result[str(key)] = (str(value[0]), str(value[1]))
        return result

    consonants: dict[str, tuple[str, str, Series]] = {}
    for letter, value in section("consonants").items():
        if not (isinstance(value, list) and len(value) == 3 and value[2] in ("a", "o")):
            raise RomanisationRulesError(
                path, "expected [initial, final, a|o]", field=f"consonants.{letter}"
            )
        consonants[letter] = (str(value[0]), str(value[1]), value[2])
    signs = section("signs")
    inherent = section("inherent")
    for series in ("a", "o"):
        if not isinstance(inherent.get(series), dict) or "open" not in inherent[series]:
            raise RomanisationRulesError(path, "expected open/closed", field=f"inherent.{series}")
    try:
        return KhmerScriptTable(
            consonants=consonants,
            shifted_initial={str(k): str(v) for k, v in section("shifted_initial").items()},
            sonorants=frozenset(doc.get("sonorants") or ()),
            inherent=inherent,
            vowels=pairs("vowels"),
            with_nikahit=pairs("with_nikahit"),
            with_reahmuk=pairs("with_reahmuk"),
            independent_vowels={str(k): str(v) for k, v in section("independent_vowels").items()},
            coeng=str(signs["coeng"]),
            to_first_series=str(signs["to_first_series"]),
            to_second_series=str(signs["to_second_series"]),
            silencer=str(signs["silencer"]),
            nikahit=str(signs["nikahit"]),
            reahmuk=str(signs["reahmuk"]),
            samyok_sannya=str(signs["samyok_sannya"]),
            ignored=frozenset(signs["ignored"]),
            separators=frozenset(signs["separators"]),
            digits={str(k): str(v) for k, v in section("digits").items()},
            words={str(k): str(v) for k, v in section("words").items()},
        )
    except KeyError as error:
        raise RomanisationRulesError(path, "missing sign", field=f"signs.{error.args[0]}") from None


@lru_cache(maxsize=1)
def _default_script_table() -> KhmerScriptTable:
    return load_khmer_script_table()


@dataclass
class _Cluster:
    """One written unit: a consonant (or independent vowel) with what is written on it."""

    base: str
    independent: bool = False
    subscripts: list[str] = field(default_factory=list)
    shifter: str | None = None
    vowel: str | None = None
    nikahit: bool = False
    reahmuk: bool = False
    samyok: bool = False
    bantoc: bool = False

    @property
    def has_nucleus(self) -> bool:
        return self.independent or bool(self.vowel or self.nikahit or self.reahmuk or self.samyok)


@dataclass
class _Syllable:
    """A syllable being read: onset cluster, optional final consonant."""

    onset: _Cluster
    coda: _Cluster | None = None


def contains_khmer(text: str) -> bool:
    """Whether the text has any character of the Khmer Unicode blocks."""
    return bool(_KHMER_BLOCK.search(text))


def romanise_khmer(text: str) -> str:
    """Romanise a name written in Khmer script with the project's rule table.

    Words (separated by spaces or Khmer punctuation) are read one by one; characters
    outside the Khmer block are kept as they are.

    Args:
        text: the name in Khmer script (other characters pass through).

    Returns:
        Lower-case Latin letters, words separated by one space.

    Examples:
        >>> romanise_khmer("សុខា")
        'sokha'
        >>> romanise_khmer("ស្រី មុំ")
        'srei mum'
    """
    table = _default_script_table()
    text = unicodedata.normalize("NFC", text)
    for separator in table.separators:
        text = text.replace(separator, " ")
    return " ".join(_romanise_word(word, table) for word in text.split())


def _romanise_word(word: str, table: KhmerScriptTable) -> str:
    if word in table.words:
        return table.words[word]
    clusters: list[_Cluster] = []
    out: list[str] = []
    for chunk, is_khmer in _split_khmer(_drop_silenced(word, table)):
        if not is_khmer:
            out.append(_flush(clusters, table) + chunk)
            clusters = []
            continue
        clusters.extend(_clusters(chunk, table))
    out.append(_flush(clusters, table))
    return "".join(out)


def _split_khmer(word: str) -> list[tuple[str, bool]]:
    """Split a word into runs of Khmer and non-Khmer characters."""
    return [(m.group(), bool(_KHMER_BLOCK.match(m.group()))) for m in _RUNS.finditer(word)]


_RUNS = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]+|[^\u1780-\u17ff\u19e0-\u19ff]+")


def _flush(clusters: list[_Cluster], table: KhmerScriptTable) -> str:
    return _render(_syllables(clusters, table), table) if clusters else ""


def _drop_silenced(word: str, table: KhmerScriptTable) -> str:
    """Remove each letter marked with the silencer (toandakhiat), with its vowel."""
    kept: list[str] = []
    for char in word:
        if char != table.silencer:
            kept.append(char)
            continue
        while kept:
            popped = kept.pop()
            is_base = popped in table.consonants and not (kept and kept[-1] == table.coeng)
            if is_base:
                break
    return "".join(kept)


def _clusters(run: str, table: KhmerScriptTable) -> list[_Cluster]:
    """Group a run of Khmer characters into written clusters."""
    clusters: list[_Cluster] = []
    index = 0
    while index < len(run):
        char = run[index]
        index += 1
        if char in table.consonants:
            clusters.append(_Cluster(char))
        elif char in table.digits:
            clusters.append(_Cluster(table.digits[char], independent=True))
        elif char in table.independent_vowels:
            clusters.append(_Cluster(char, independent=True))
        elif not clusters:
            continue  # a stray mark before any letter
        elif char == table.coeng:
            if index < len(run) and run[index] in table.consonants:
                clusters[-1].subscripts.append(run[index])
                index += 1
        elif char in (table.to_first_series, table.to_second_series):
            clusters[-1].shifter = char
        elif char in table.vowels:
            clusters[-1].vowel = clusters[-1].vowel or char
        elif char == table.nikahit:
            clusters[-1].nikahit = True
        elif char == table.reahmuk:
            clusters[-1].reahmuk = True
        elif char == table.samyok_sannya:
            clusters[-1].samyok = True
        elif char == "\u17cb":  # bantoc: marks the consonant as final
            clusters[-1].bantoc = True
    return clusters


def _syllables(clusters: list[_Cluster], table: KhmerScriptTable) -> list[_Syllable]:
    """Decide which bare clusters close a syllable and which open one."""
    if len(clusters) > 1 and _silent_final_vowel(clusters[-1]):
        clusters = [*clusters[:-1], replace(clusters[-1], vowel=None)]
    syllables: list[_Syllable] = []
    index = 0
    while index < len(clusters):
        cluster = clusters[index]
        previous = syllables[-1] if syllables else None
        if cluster.has_nucleus or previous is None:
            if previous is not None and _is_open(previous) and _splits(cluster):
                # A cluster after an open syllable: its base closes that syllable and
                # its first subscript opens the next one (បុប្ផា -> bop-pha).
                previous.coda = _Cluster(cluster.base, subscripts=cluster.subscripts[:1])
                onset = replace(
                    cluster, base=cluster.subscripts[0], subscripts=cluster.subscripts[1:]
                )
                syllables.append(_Syllable(onset))
            else:
                syllables.append(_Syllable(cluster))
            index += 1
            continue
        # A run of bare clusters (no vowel of their own) up to the next vowel or bantoc.
        end = index
        while end < len(clusters) and not clusters[end].has_nucleus:
            end += 1
            if clusters[end - 1].bantoc:
                break
        run = clusters[index:end]
        if end >= len(clusters) or run[-1].bantoc:
            last_role = "coda"
        elif _splits(clusters[end]):
            last_role = "onset"  # the next cluster's base will close it
        else:
            last_role = None
        roles = _run_roles(len(run), previous is not None and _is_open(previous), last_role)
        for role, member in zip(roles, run, strict=True):
            if role == "coda" and syllables[-1].coda is None:
                syllables[-1].coda = member
            else:
                syllables.append(_Syllable(member))
        index = end
    return syllables


def _is_open(syllable: _Syllable) -> bool:
    onset = syllable.onset
    return syllable.coda is None and not (onset.nikahit or onset.reahmuk)


def _splits(cluster: _Cluster) -> bool:
    return bool(cluster.subscripts) and not cluster.independent


def _silent_final_vowel(cluster: _Cluster) -> bool:
    """A word-final short i/u after a subscript cluster is not read (សម្បត្តិ)."""
    return (
        bool(cluster.subscripts)
        and cluster.vowel in ("\u17b7", "\u17bb")
        and not (cluster.nikahit or cluster.reahmuk)
    )


def _run_roles(length: int, previous_open: bool, last_role: str | None) -> list[str]:
    """Roles (coda / onset) for a run of bare clusters between syllables."""
    if last_role is not None:
        # From the right, alternating, starting with the role the run must end with.
        other = "onset" if last_role == "coda" else "coda"
        roles = [last_role if offset % 2 == 0 else other for offset in range(length)][::-1]
        if roles and roles[0] == "coda" and not previous_open:
            roles[0] = "onset"
        return roles
    # From the left: after an open syllable the first bare consonant closes it.
    start = 0 if previous_open else 1
    return ["coda" if (offset + start) % 2 == 0 else "onset" for offset in range(length)]


def _series(cluster: _Cluster, table: KhmerScriptTable) -> Series:
    if cluster.independent:
        return "a"
    if cluster.shifter == table.to_first_series:
        return "a"
    if cluster.shifter == table.to_second_series:
        return "o"
    series = table.consonants[cluster.base][2]
    if series == "o" and cluster.base in table.sonorants and cluster.subscripts:
        return table.consonants[cluster.subscripts[0]][2]
    return series


def _render(syllables: list[_Syllable], table: KhmerScriptTable) -> str:
    parts: list[str] = []
    for syllable in syllables:
        onset, coda = syllable.onset, syllable.coda
        if onset.independent:
            parts.append(table.independent_vowels.get(onset.base, onset.base))
        else:
            series = _series(onset, table)
            column = 0 if series == "a" else 1
            initial = table.consonants[onset.base][0]
            if onset.shifter == table.to_first_series:
                initial = table.shifted_initial.get(onset.base, initial)
            parts.append(initial)
            parts.extend(table.consonants[sub][0] for sub in onset.subscripts)
            parts.append(_vowel(onset, coda, series, column, table))
        if coda is not None:
            parts.append(table.consonants[coda.base][1] if not coda.independent else "")
    return "".join(parts)


def _vowel(
    onset: _Cluster, coda: _Cluster | None, series: Series, column: int, table: KhmerScriptTable
) -> str:
    """The reading of the syllable's vowel, by series and what closes it."""
    if onset.samyok:
        return "a"
    written = onset.vowel or ""
    if onset.nikahit:
        if written in table.with_nikahit:
            return table.with_nikahit[written][column]
        return table.vowels[written][column] + "m"
    if onset.reahmuk:
        if written in table.with_reahmuk:
            return table.with_reahmuk[written][column]
        return table.vowels[written][column] + "h"
    if written:
        return table.vowels[written][column]
    rules = table.inherent[series]
    if coda is None:
        return str(rules["open"])
    if coda.subscripts and coda.subscripts[0] == coda.base and "closed_geminate" in rules:
        return str(rules["closed_geminate"])
    if coda.base in rules.get("closed_ea_before", ()):
        return str(rules["closed_ea"])
    return str(rules["closed"])


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except OSError as error:
        raise RomanisationRulesError(path, f"cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise RomanisationRulesError(path, f"invalid YAML: {error}", line=line) from error
    if not isinstance(document, dict):
        raise RomanisationRulesError(path, "expected a mapping at the top level")
    return document


# --------------------------------------------------------------------------------------
# The consonant skeleton (a coarse key for blocking and one comparison level)
# --------------------------------------------------------------------------------------

_SKELETON_FOLDS = (
    (re.compile(r"([aeiouy])r(?=[^aeiouy]|$)"), r"\1"),  # `Lorng` / `Long`, `Sorn` / `Son`
    (re.compile(r"ng$"), "n"),  # `Linh` / `Lin`, `Dang` / `Dan`: finals clerks drop
    (re.compile(r"h"), ""),  # `Pheakdey` / `Peakdey`, `Nguyenh`
    (re.compile(r"[aeiouy]"), ""),  # vowels: every romanisation writes them differently
    (re.compile(r"b"), "p"),  # `Bopha` / `Popha`
    (re.compile(r"d"), "t"),
    (re.compile(r"[gq]"), "k"),
    (re.compile(r"[jz]"), "c"),
    (re.compile(r"(.)\1+"), r"\1"),  # doubled letters
)


def consonant_skeleton(key: str) -> str:
    """The consonants of a romanisation key, folded and sorted: a coarse, order-free key.

    Khmer names reach Latin script through several systems and no system at all: the
    vowels differ most (`Kunthia` / `Kanthea`, `Pech` / `Pich`), a written `r` after a
    vowel only lengthens it (`Lorng` / `Long`), aspiration `h` comes and goes, and
    `b`/`p`, `d`/`t`, `g`/`k` stand for one Khmer letter. The skeleton keeps what
    survives all of these and sorts the letters, so word order and spacing do not
    matter (`Pech Srei Neang` / `Sreyneang Pich` -> ``cnnprs``). It is coarse on
    purpose: blocking pairs records on it only together with a birth year or province,
    and the model weighs the level by how often unrelated records share it.

    Args:
        key: a romanisation key (words of ``romanisation_key``).

    Returns:
        The sorted consonant letters ('' for a name with none).

    Examples:
        >>> consonant_skeleton("purm kuntia") == consonant_skeleton("kantia prum")
        True
        >>> consonant_skeleton("lurng pu sri") == consonant_skeleton("lung sripu")
        True
    """
    letters: list[str] = []
    for word in key.split():
        for pattern, replacement in _SKELETON_FOLDS:
            word = pattern.sub(replacement, word)
        letters.extend(word)
    return "".join(sorted(letters))
