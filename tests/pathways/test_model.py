"""The pathway state models are data, validated on load."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipdata.errors import CodelistError
from tipdata.pathways import load_pathway_model, pathway_model
from tipdata.pathways.model import MODEL_DIR


def test_built_in_models_load() -> None:
    assert pathway_model("victim").rules[-1].code == "impossible_sequence"
    assert "arrested" in {s.value for s in pathway_model("prosecution").stages}


def test_a_mistake_names_the_file_and_line(tmp_path: Path) -> None:
    text = (MODEL_DIR / "victim.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "victim.yaml"
    bad.write_text(
        text.replace("  rescued: [identified,", "  rescued: [arrested, identified,"), "utf-8"
    )
    with pytest.raises(CodelistError, match=r"victim.yaml, line \d+"):
        load_pathway_model(bad)
