"""Filing's HTTP API in-process (the broker is unreachable: the API works regardless):
access control, motions by court and status, PDFs, bulk motions and their CSV."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from clearway.common.events import Decision, RecordEvent
from clearway.filing.api import build_app
from clearway.filing.settings import FilingSettings
from clearway.filing.store import FilingStore
from clearway.filing.stream import pdf_renderer
from tests.filing.builders import NOW, count, court_order, decision, disposition, pdf_text
from tests.problems import problem

ADMIN = "cw_testadmin_0123456789abcdefghij"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = FilingSettings(data_dir=tmp_path, kafka_bootstrap_servers="127.0.0.1:1",
                              bootstrap_api_key=ADMIN)
    with TestClient(build_app(settings)) as c:
        c.headers["Authorization"] = f"Bearer {ADMIN}"
        yield c


def feed(client: TestClient, records: list[RecordEvent], decisions: list[Decision]) -> None:
    store: FilingStore = client.app.state.store  # type: ignore[attr-defined]
    store.process(records, decisions, pdf_renderer(client.app.state.documents),  # type: ignore[attr-defined]
                  NOW)


def key(client: TestClient, scopes: list[str], courts: list[str]) -> dict[str, str]:
    token = client.app.state.keys.create("test", scopes, courts)  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}


def a_case(client: TestClient, case_number: str = "BA100", subject_id: str = "S1",
           court: str = "CA-LA", procedure: str = "application") -> dict[str, object]:
    feed(client, [disposition(subject_id, case_number, court=court,
                              counts=[count(1), count(2, "HS 11357(a)", "misdemeanor")])],
         [decision(subject_id, case_number, 1, procedure=procedure, court=court),
          decision(subject_id, case_number, 2, "dismiss_and_seal", procedure,
                   statute="HS 11357(a)", court=court)])
    (motion,) = [m for m in client.get(f"/v1/courts/{court}/motions").json()["motions"]
                 if m["case_number"] == case_number and m["status"] == "ready"]
    return motion


def test_a_request_without_a_key_or_with_an_unknown_key_is_unauthenticated(
        client: TestClient) -> None:
    assert client.get("/v1/courts/CA-LA/motions", headers={"Authorization": ""}).status_code == 401
    unknown = {"Authorization": "Bearer cw_nobody_0123456789abcdefghij"}
    assert client.get("/v1/courts/CA-LA/motions", headers=unknown).status_code == 401


def test_a_key_without_the_motions_read_scope_is_forbidden(client: TestClient) -> None:
    other = key(client, ["notices:read"], ["*"])
    answer = client.get("/v1/courts/CA-LA/motions", headers=other)
    assert "motions:read" in problem(answer, 403, "forbidden")["detail"]


def test_a_key_for_another_court_cannot_list_or_see_the_courts_motions(
        client: TestClient) -> None:
    motion = a_case(client)
    sf = key(client, ["motions:read", "motions:write"], ["CA-SF"])
    assert client.get("/v1/courts/CA-LA/motions", headers=sf).status_code == 403
    assert client.get(f"/v1/motions/{motion['motion_id']}", headers=sf).status_code == 404
    assert client.get(f"/v1/motions/{motion['motion_id']}/pdf", headers=sf).status_code == 404
    assert client.post("/v1/courts/CA-LA/bulk-motions", headers=sf).status_code == 403


def test_a_read_only_key_cannot_create_or_file(client: TestClient) -> None:
    motion = a_case(client)
    reader = key(client, ["motions:read"], ["CA-LA"])
    assert client.get(f"/v1/motions/{motion['motion_id']}", headers=reader).status_code == 200
    assert client.post("/v1/courts/CA-LA/bulk-motions", headers=reader).status_code == 403
    assert client.post(f"/v1/motions/{motion['motion_id']}/file",
                       headers=reader).status_code == 403


def test_motions_are_listed_by_court_and_status_a_page_at_a_time(client: TestClient) -> None:
    for i in range(5):
        a_case(client, f"BA10{i}", f"S{i}")
    feed(client, [], [decision("S0", "BA100", 1, "not_eligible", version=2),
                      decision("S0", "BA100", 2, "not_eligible", version=2)])
    a_case(client, "SF100", "S9", court="CA-SF")

    seen, after = [], None
    while True:
        params: dict[str, object] = {"status": "ready", "limit": 2}
        if after:
            params["after"] = after
        page = client.get("/v1/courts/CA-LA/motions", params=params).json()
        assert len(page["motions"]) <= 2
        seen += page["motions"]
        after = page["next_after"]
        if after is None:
            break
    assert sorted(m["case_number"] for m in seen) == ["BA101", "BA102", "BA103", "BA104"]
    assert len({m["motion_id"] for m in seen}) == 4
    withdrawn = client.get("/v1/courts/CA-LA/motions", params={"status": "withdrawn"}).json()
    assert [m["case_number"] for m in withdrawn["motions"]] == ["BA100"]
    summary = client.get("/v1/courts/CA-LA/motions/summary").json()
    assert summary["by_status"] == {"ready": 4, "withdrawn": 1}
    assert client.get("/v1/courts/CA-LA/motions", params={"status": "lost"}).status_code == 422


def test_one_motion_shows_its_counts_relief_and_document_hash_but_no_name(
        client: TestClient) -> None:
    listed = a_case(client)
    body = client.get(f"/v1/motions/{listed['motion_id']}").json()
    assert body == listed
    assert body["status"] == "ready" and body["procedure"] == "application"
    assert [(c["count"], c["statute"], c["relief"]) for c in body["counts"]] == [
        (1, "HS 11359(b)", "reduce_to_misdemeanor"), (2, "HS 11357(a)", "dismiss_and_seal")]
    assert len(body["document_sha256"]) == 64
    assert "Testperson" not in str(body) and "1980" not in str(body)
    assert client.get("/v1/motions/no-such-motion").status_code == 404


def test_the_pdf_of_an_application_has_caption_case_counts_subsection_e_and_order(
        client: TestClient) -> None:
    motion = a_case(client)
    answer = client.get(f"/v1/motions/{motion['motion_id']}/pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["x-document-sha256"] == motion["document_sha256"]
    text = pdf_text(answer.content)
    assert "SUPERIOR COURT OF CALIFORNIA, COUNTY OF LOS ANGELES" in text
    assert "Case No. BA100" in text and "DANA TESTPERSON" in text
    assert "Count 1 (HS 11359(b), convicted 02/01/2010): reduce to a misdemeanor." in text
    assert "Count 2 (HS 11357(a), convicted 02/01/2010): dismiss and seal." in text
    assert "11361.8(e)" in text and "section 11361.8(a)" not in text
    assert "[PROPOSED] ORDER" in text and "GRANTED" in text and "DENIED" in text


def test_the_pdf_of_a_petition_cites_subsection_a(client: TestClient) -> None:
    motion = a_case(client, procedure="petition")
    text = pdf_text(client.get(f"/v1/motions/{motion['motion_id']}/pdf").content)
    assert "Petition for Recall or Dismissal of Sentence" in text
    assert "11361.8(a)" in text and "Case No. BA100" in text and "[PROPOSED] ORDER" in text


def test_a_draft_has_no_pdf_yet(client: TestClient) -> None:
    feed(client, [], [decision()])
    (draft,) = client.get("/v1/courts/CA-LA/motions", params={"status": "draft"}).json()["motions"]
    answer = client.get(f"/v1/motions/{draft['motion_id']}/pdf")
    problem(answer, 409, "not_rendered")


def test_a_bulk_motion_is_built_downloaded_as_pdf_and_csv_and_filed(client: TestClient) -> None:
    for i in range(12):
        a_case(client, f"BA2{i:02d}", f"S{i}")
    created = client.post("/v1/courts/CA-LA/bulk-motions")
    assert created.status_code == 201, created.text
    bulk = created.json()
    assert bulk["motion_count"] == 12 and bulk["seconds"] > 0
    bulk_id = bulk["bulk_motion_id"]
    assert client.get(f"/v1/bulk-motions/{bulk_id}").json()["status"] == "ready"
    assert [b["bulk_motion_id"] for b in
            client.get("/v1/courts/CA-LA/bulk-motions").json()["bulk_motions"]] == [bulk_id]

    pdf = client.get(f"/v1/bulk-motions/{bulk_id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == bulk["pages"]
    text = pdf_text(pdf.content)
    assert "12 cases listed in Exhibit A" in text and "BA200" in text and "BA211" in text
    answer = client.get(f"/v1/bulk-motions/{bulk_id}/csv")
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][0] == "Case number" and len(rows) == 13
    assert rows[1][:4] == ["BA200", "TESTPERSON, DANA", "1980-01-02", "1, 2"]
    listed = client.get("/v1/courts/CA-LA/motions",
                        params={"status": "included_in_bulk", "limit": 100}).json()["motions"]
    assert {m["bulk_motion_id"] for m in listed} == {bulk_id} and len(listed) == 12

    again = client.post("/v1/courts/CA-LA/bulk-motions")
    problem(again, 409, "nothing_to_file")

    filed = client.post(f"/v1/bulk-motions/{bulk_id}/file")
    assert filed.status_code == 200 and filed.json()["status"] == "filed"
    summary = client.get("/v1/courts/CA-LA/motions/summary").json()["by_status"]
    assert summary == {"filed": 12}


def test_a_bulk_motion_of_another_court_is_not_found(client: TestClient) -> None:
    a_case(client)
    bulk_id = client.post("/v1/courts/CA-LA/bulk-motions").json()["bulk_motion_id"]
    sf = key(client, ["motions:read", "motions:write"], ["CA-SF"])
    for path in ("", "/pdf", "/csv"):
        assert client.get(f"/v1/bulk-motions/{bulk_id}{path}", headers=sf).status_code == 404
    assert client.post(f"/v1/bulk-motions/{bulk_id}/file", headers=sf).status_code == 404
    assert client.get("/v1/bulk-motions/nope").status_code == 404


def test_a_ready_motion_can_be_filed_on_its_own_but_not_a_withdrawn_one(
        client: TestClient) -> None:
    motion = a_case(client)
    filed = client.post(f"/v1/motions/{motion['motion_id']}/file")
    assert filed.status_code == 200 and filed.json()["status"] == "filed"
    assert client.post(f"/v1/motions/{motion['motion_id']}/file").json()["status"] == "filed"

    other = a_case(client, "BA300", "S3")
    feed(client, [], [decision("S3", "BA300", n, "not_eligible", version=2) for n in (1, 2)])
    refused = client.post(f"/v1/motions/{other['motion_id']}/file")
    problem(refused, 409, "invalid_status")


def test_an_unknown_id_a_bad_query_and_a_missing_key_are_problems_that_repeat_nothing(
        client: TestClient) -> None:
    assert problem(client.get("/v1/motions/no-such-motion"), 404,
                   "not_found")["detail"] == "no such motion"
    problem(client.get("/v1/bulk-motions/no-such-bulk/pdf"), 404, "not_found")
    bad = problem(client.get("/v1/courts/CA-LA/motions", params={
        "status": "Quintessa Vandermolen", "limit": "1961-07-23"}), 422, "invalid",
        never=("Quintessa", "Vandermolen", "1961-07-23"))
    assert sorted(e["field"] for e in bad["errors"]) == ["query.limit", "query.status"]
    problem(client.get("/v1/courts/CA-LA/motions", headers={"Authorization": ""}), 401,
            "unauthenticated")
    problem(client.get("/v1/no-such-route"), 404, "not_found")
    problem(client.put("/v1/motions/x/file"), 405, "method_not_allowed")


def test_the_service_is_alive_while_the_broker_is_unreachable(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["broker"] is False


def test_a_sealed_case_is_served_only_to_a_key_with_sealed_read(client: TestClient) -> None:
    sealed, open_ = a_case(client, "BA100", "S1"), a_case(client, "BA200", "S2")
    bulk = client.post("/v1/courts/CA-LA/bulk-motions").json()["bulk_motion_id"]
    feed(client, [court_order("S1", "BA100", 2, relief="dismiss_and_seal")], [])
    plain = key(client, ["motions:read"], ["CA-LA"])
    cleared = key(client, ["motions:read", "sealed:read"], ["CA-LA"])

    listed = client.get("/v1/courts/CA-LA/motions", headers=plain).json()["motions"]
    assert [m["case_number"] for m in listed] == ["BA200"]
    listed = client.get("/v1/courts/CA-LA/motions", headers=cleared).json()["motions"]
    assert sorted(m["case_number"] for m in listed) == ["BA100", "BA200"]
    for path in (f"/v1/motions/{sealed['motion_id']}", f"/v1/motions/{sealed['motion_id']}/pdf"):
        assert client.get(path, headers=plain).status_code == 404
        assert client.get(path, headers=cleared).status_code == 200
    assert client.get(f"/v1/motions/{open_['motion_id']}/pdf", headers=plain).status_code == 200
    # The bulk motion lists the sealed case: its metadata stays, its documents need the scope.
    assert client.get(f"/v1/bulk-motions/{bulk}", headers=plain).status_code == 200
    for document in ("pdf", "csv"):
        refused = client.get(f"/v1/bulk-motions/{bulk}/{document}", headers=plain)
        assert refused.status_code == 403 and "sealed:read" in refused.text
        assert client.get(f"/v1/bulk-motions/{bulk}/{document}", headers=cleared).status_code == 200


def test_a_denied_or_reducing_order_seals_nothing(client: TestClient) -> None:
    motion = a_case(client, "BA300", "S3")
    feed(client, [court_order("S3", "BA300", 1, "denied"),
                  court_order("S3", "BA300", 2, relief="reduce_to_misdemeanor")], [])
    plain = key(client, ["motions:read"], ["CA-LA"])
    assert client.get(f"/v1/motions/{motion['motion_id']}", headers=plain).status_code == 200
