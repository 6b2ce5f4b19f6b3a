"""Publication pages on the linked 2008 demo: the preview before a release and its
confirmation, the releases page and its downloads, "explain this figure" for the NTF
(records) and for a reader (the rule and the released figure, nothing computed).
"""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from tests.web import demo_web as shared
from tests.web.conftest import csrf_of
from tests.web.demo_web import DemoWeb, bearer, signed_in

demo_delivery, demo_db = shared.demo_delivery, shared.sqlite_demo_db  # SQLite: pages only
demo_web, demo_client = shared.demo_web, shared.demo_client
QUARTER = "start=2008-01-01&end=2008-03-31"


def _releases(client: TestClient, demo: DemoWeb) -> int:
    answer = client.get("/api/v1/reports/tip/releases", headers=bearer(demo[1]["reader"]))
    return len(answer.json())


@pytest.mark.slow
def test_the_officer_previews_the_withheld_cells_then_confirms(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    signed_in(demo_client, demo_web, "officer")
    before = _releases(demo_client, demo_web)
    tables = demo_client.get(f"/reports?{QUARTER}")
    assert 'action="/reports/publish/preview"' in tables.text
    preview = demo_client.get(f"/reports/publish/preview?{QUARTER}")
    assert preview.status_code == 200
    summary = re.search(
        r'id="preview-summary">Period 2008Q1: (\d+) cells shown, (\d+) withheld', preview.text
    )
    assert summary is not None and int(summary.group(1)) > 0
    withheld = re.findall(r"<tr><td>[^<]+</td><td>[^<]*</td><td>[^<]*</td>\s*<td>", preview.text)
    assert len(withheld) == int(summary.group(2)) > 0  # the demo has small counts
    assert "a small count" in preview.text
    assert _releases(demo_client, demo_web) == before  # looking releases nothing
    unconfirmed = demo_client.post(
        "/reports/publish",
        data={"csrf_token": csrf_of(preview.text), "start": "2008-01-01", "end": "2008-03-31"},
    )
    assert unconfirmed.status_code == 200 and 'id="confirm-publish"' in unconfirmed.text
    assert _releases(demo_client, demo_web) == before
    confirmed = demo_client.post(
        "/reports/publish",
        data={
            "csrf_token": csrf_of(preview.text),
            "start": "2008-01-01",
            "end": "2008-03-31",
            "confirm": "yes",
        },
    )
    assert confirmed.status_code == 200 and 'id="released"' in confirmed.text
    assert _releases(demo_client, demo_web) == before + 1

    page = demo_client.get("/reports/releases")
    assert 'id="r-2008Q1"' in page.text and 'id="all-releases"' in page.text
    release_id = re.search(r'href="/reports/releases/(\d+)\.csv"', page.text)
    assert release_id is not None
    links = set(re.findall(r'href="(/reports/releases/\d+\.\w+)"', page.text))
    assert {link.rsplit(".", 1)[1] for link in links} >= {"csv", "xlsx", "html"}
    assert {link: demo_client.get(link).status_code for link in links} == dict.fromkeys(links, 200)
    signed_in(demo_client, demo_web, "reader")
    page = demo_client.get("/reports/releases")
    assert 'id="r-2008Q1"' in page.text and 'id="all-releases"' not in page.text
    file = demo_client.get(f"/reports/releases/{release_id.group(1)}.csv")
    assert file.status_code == 200 and file.text.startswith("table,")
    assert demo_client.get("/reports/releases/999999.csv").status_code == 404


@pytest.mark.slow
def test_explain_a_figure_records_for_the_ntf_the_rule_for_a_reader(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    signed_in(demo_client, demo_web, "officer")
    tables = demo_client.get(f"/reports?{QUARTER}").text
    link = re.search(r'href="(/reports/explain\?[^"]*table=pathway_funnel[^"]*)"', tables)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    page = demo_client.get(url)
    assert page.status_code == 200
    counted = re.search(
        r'id="traced">(\d+) counted once each, from (\d+) agency records', page.text
    )
    figure = re.search(r"=\s*<strong>([\d,]+)</strong>", page.text)
    assert counted is not None and figure is not None
    assert counted.group(1) == figure.group(1).replace(",", "")  # the records are the figure
    assert 'id="units"' in page.text and 'id="indicator"' in page.text
    signed_in(demo_client, demo_web, "reader")
    answer = demo_client.get(url)
    if answer.status_code == 200:  # released by the test above: the stored figure, no records
        assert 'id="units"' not in answer.text and "The rule" in answer.text
    else:
        assert answer.status_code == 404 and "Not published" in answer.text
    assert demo_client.get(url.replace("2008-03-31", "2008-03-30")).status_code == 404


@pytest.mark.slow
def test_a_revised_release_is_no_longer_served_to_readers(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    """A revision replaces the release of its period and is not audited against it: the old
    file beside the new one could be subtracted, so a reader gets only the newest."""
    officer, reader = bearer(demo_web[1]["officer"]), bearer(demo_web[1]["reader"])
    ids = []
    for _ in range(2):
        answer = demo_client.post("/api/v1/reports/tip/publish?period=2008Q2", headers=officer)
        assert answer.status_code == 200, answer.text
        ids.append(answer.json()["release_id"])
    old, new = ids
    assert new > old
    signed_in(demo_client, demo_web, "reader")
    assert demo_client.get(f"/reports/releases/{new}.csv").status_code == 200
    assert demo_client.get(f"/reports/releases/{old}.csv").status_code == 404
    assert demo_client.get(f"/reports/releases/{old}.xlsx").status_code == 404
    page = demo_client.get("/reports/releases")
    assert f"/reports/releases/{old}." not in page.text
    assert (
        demo_client.get("/api/v1/reports/tip.csv?period=2008Q2", headers=reader).status_code == 200
    )
    signed_in(demo_client, demo_web, "officer")  # who publishes reads the history
    assert demo_client.get(f"/reports/releases/{old}.csv").status_code == 200


@pytest.mark.slow
def test_the_auditor_reads_the_record_of_every_release_not_its_figures(
    demo_client: TestClient, demo_web: DemoWeb
) -> None:
    """The auditor (``audit:read``, no ``reports:read_published``) checks releases: who
    released which period when, the digest of its figures and each file's SHA-256, which
    release replaced which; not the figures nor the files."""
    officer = bearer(demo_web[1]["officer"])
    ids = []
    for _ in range(2):
        answer = demo_client.post("/api/v1/reports/tip/publish?period=2008Q3", headers=officer)
        assert answer.status_code == 200, answer.text
        ids.append(answer.json()["release_id"])
    old, new = ids
    signed_in(demo_client, demo_web, "auditor")
    log = demo_client.get("/admin/audit")
    assert 'href="/admin/audit/releases"' in log.text
    page = demo_client.get("/admin/audit/releases")
    assert page.status_code == 200
    row = re.search(rf'<tr id="release-{old}">(.*?)</tr>', page.text, re.S)
    assert row is not None
    # replaced by the revision, with the digests and the file hashes the release stored
    assert f'href="#release-{new}">{new}</a>' in row.group(1)
    assert "2008Q3" in row.group(1) and "officer" in row.group(1)
    signed_in(demo_client, demo_web, "officer")
    stored = demo_client.get("/reports/releases")
    csv = demo_client.get(f"/reports/releases/{new}.csv")
    assert csv.status_code == 200
    new_row = re.search(rf'<tr id="release-{new}">(.*?)</tr>', page.text, re.S)
    assert new_row is not None and hashlib.sha256(csv.content).hexdigest() in new_row.group(1)
    assert f"/reports/releases/{new}.csv" in stored.text
    assert "/reports/releases/" not in page.text  # no file to download from the record
    assert 'id="released-periods"' not in page.text  # nor the figures' periods
    signed_in(demo_client, demo_web, "auditor")
    assert demo_client.get("/reports/releases").status_code == 403
    assert demo_client.get(f"/reports/releases/{new}.csv").status_code == 403
    assert demo_client.get("/reports?period=2008Q3").status_code == 403
    signed_in(demo_client, demo_web, "reader")
    assert demo_client.get("/admin/audit/releases").status_code == 403
