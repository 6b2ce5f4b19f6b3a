from hypothesis import given
from hypothesis import strategies as st

from tipdata.access import normalise_name
from tipdata.linkage.names import clean
from tipdata.text import normalise


def test_normalise_folds_case_width_and_spaces() -> None:
    assert normalise("  ＳＯＫ \t  Dara ", ascii_latin=False) == "sok dara"
    assert normalise("  NGUYỄN   Thị  Lan ", ascii_latin=True) == "nguyen thi lan"
    assert normalise("ស៊ុន  Đạt", ascii_latin=True) == "ស៊ុន dat"


@given(text=st.text())
def test_blind_index_and_linkage_normalise_alike(text: str) -> None:
    assert normalise_name(text) == clean(text, ascii_latin=False)
