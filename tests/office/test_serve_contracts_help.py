"""#19 in the office: each site's contract sets its own goodwill allowance (the admin API
sets it, the site record carries it to the laptop, the office counts against it); help from
the field is tracked, answered once, and an accepted hand-over moves the visit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from concierge.protocol import schemas
from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import LoginFactory, demo_office, mutation
from tests.office.test_serve import completed, goodwill
from tests.officedb import Template

TERMS = {"name": "Gold", "office_phone": "+49 30 1234567",
         "allowance": {"minutes_per_visit": 20, "money_per_visit": 0,
                       "minutes_per_year": 40, "money_per_year": 0}}


def test_a_sites_contract_sets_its_allowance(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, office = login(fresh_office, "ana").reads_like_the_laptop(), login(fresh_office, "office")
    visit = ana.ok("GET", "/v1/visits")[0]
    path = f"/v1/admin/sites/{visit['site_id']}/contract"
    standard = office.ok("GET", path)
    assert standard["allowance"]["minutes_per_year"] == 240
    _, cursor = ana.pull_all()
    assert office.ok("PUT", path, json=TERMS)["allowance"]["minutes_per_year"] == 40
    sites = [c for c in ana.pull_all(cursor)[0] if c["entity"] == "site"]
    assert sites and sites[-1]["data"]["contract"] == {
        **TERMS, "allowance": {k: float(v) for k, v in TERMS["allowance"].items()}}

    at = datetime.now(UTC)  # two devices, 30 minutes each: the standard 240 would allow it
    for n in range(2):
        session = completed(visit["id"], None, [])
        session["data"] = {"goodwill": [goodwill(f"gw-c{n}", 30, "done",
                                                 at + timedelta(minutes=n))]}
        assert ana.push(mutation("session", str(uuid.uuid4()), None,
                                 session))[0]["status"] == "applied"
    rows = {g["request_id"]: g for g in office.ok("GET", "/v1/admin/serve/goodwill")}
    assert (rows["gw-c0"]["status"], rows["gw-c1"]["status"]) == ("done", "pending")
    assert rows["gw-c1"]["over_allowance"]


def test_contract_bad_input_gets_a_clear_4xx(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, office = login(fresh_office, "ana"), login(fresh_office, "office")
    site = ana.ok("GET", "/v1/visits")[0]["site_id"]
    path = f"/v1/admin/sites/{site}/contract"
    for allowance in ({"minutes_per_visit": -5}, {"money_per_year": 1e12},
                      {"minutes_per_year": "lots"}, {"colour": 1}):
        reply = office.request("PUT", path, json={"allowance": allowance})
        assert reply.status_code == 422, (allowance, reply.text)
    nan = office.request("PUT", path, data='{"allowance": {"minutes_per_visit": NaN}}',
                         headers={"Content-Type": "application/json"})
    assert nan.status_code == 400  # not JSON: a clear 4xx, not a 5xx
    assert office.request("PUT", path, json={"extra": True}).status_code == 422
    assert office.request("PUT", "/v1/admin/sites/nope/contract", json={}).status_code == 404
    assert office.request("GET", "/v1/admin/sites/nope/contract").status_code == 404
    assert ana.request("PUT", path, json={}).status_code == 403
    assert office.ok("GET", path)["allowance"]["minutes_per_visit"] == 30  # nothing changed


def help_request(ident: str, kind: str, reason: str = "") -> dict[str, object]:
    return {"id": ident, "kind": kind, "note": f"Need a hand ({kind})", "reason": reason,
            "status": "pending", "at": datetime.now(UTC).isoformat()}


def test_help_from_the_field_is_answered_once_and_a_hand_over_moves_the_visit(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, ben, office = (login(fresh_office, who) for who in ("ana", "ben", "office"))
    visit = ana.ok("GET", "/v1/visits")[0]
    session_id = str(uuid.uuid4())
    session = completed(visit["id"], None, [])
    session["status"], session["step"] = "in_progress", "work"
    del session["completed_at"]
    session["data"] = {"help": [help_request("help-1", "remote"),
                                help_request("help-2", "handover", "Sick, going home")]}
    op = mutation("session", session_id, None, session)
    assert ana.push(op)[0]["status"] == "applied"
    assert ana.push(op)[0]["status"] in ("applied", "duplicate")  # a replay adds nothing

    pending = [h for h in office.ok("GET", "/v1/admin/serve/help", params={"status": "pending"})
               if h["session_id"] == session_id]
    assert sorted((h["request_id"], h["kind"]) for h in pending) == [
        ("help-1", "remote"), ("help-2", "handover")]
    assert len(ana.ok("GET", "/v1/serve/help")) >= 2
    assert not [h for h in ben.ok("GET", "/v1/serve/help") if h["session_id"] == session_id]
    ids = {h["request_id"]: h["id"] for h in pending}

    remote = f"/v1/admin/serve/help/{ids['help-1']}/answer"
    answered = office.ok("POST", remote, json={"accepted": False, "answer": "All busy"})
    assert answered["status"] == "declined" and answered["answered_by"] == office.user["id"]
    again = office.request("POST", remote, json={"accepted": True, "answer": "Now free"})
    assert again.status_code == 409 and again.json()["error"]["details"][0]["code"] == "declined"
    assert office.request("POST", "/v1/admin/serve/help/nope/answer",
                          json={"accepted": True, "answer": "x"}).status_code == 404
    assert ana.request("POST", remote, json={"accepted": True, "answer": "x"}).status_code == 403

    handover = f"/v1/admin/serve/help/{ids['help-2']}/answer"
    for bad in ({"accepted": True, "answer": "Ben takes it"},  # no one named
                {"accepted": True, "answer": "x", "helper": ana.user["id"]},  # the asker
                {"accepted": True, "answer": "x", "helper": office.user["id"]},  # no technician
                {"accepted": True, "answer": ""}):
        assert office.request("POST", handover, json=bad).status_code == 422, bad
    _, ben_cursor = ben.pull_all()
    office.ok("POST", handover, json={"accepted": True, "answer": "Ben takes it over",
                                      "helper": ben.user["id"]})
    assert visit["id"] in {v["id"] for v in ben.ok("GET", "/v1/visits")}
    assert visit["id"] not in {v["id"] for v in ana.ok("GET", "/v1/visits")}
    moved = [c for c in ben.pull_all(ben_cursor)[0] if c["entity"] == "visit"]
    assert [c["data"]["technician_id"] for c in moved if c["id"] == visit["id"]] == [
        ben.user["id"]]

    pulled = [c for c in ana.pull_all()[0] if c["entity"] == "session" and c["id"] == session_id]
    answers = {h["id"]: h for h in pulled[-1]["data"]["data"]["help"]}
    assert (answers["help-1"]["status"], answers["help-1"]["answer"]) == ("declined", "All busy")
    assert (answers["help-2"]["status"], answers["help-2"]["helper"]) == (
        "accepted", ben.user["name"])  # the colleague's name for the screen, not an id

    # Ana's changes not sent before the hand-over still reach the office, in her session
    later = dict(session, data={"help": [help_request("help-1", "remote"),
                                         help_request("help-2", "handover", "Sick")],
                                "outcome": "Door rollers cleaned before I left"})
    again_op = mutation("session", session_id, pulled[-1]["version"], later)
    assert ana.push(again_op)[0]["status"] == "applied"
    kept = {h["request_id"]: h["status"] for h in office.ok("GET", "/v1/admin/serve/help")
            if h["session_id"] == session_id}
    assert kept == {"help-1": "declined", "help-2": "accepted"}  # the answers stand
    [mine] = [c for c in ana.pull_all()[0] if c["entity"] == "session" and c["id"] == session_id
              ][-1:]
    assert mine["data"]["data"]["outcome"] == "Door rollers cleaned before I left"
    # ... without taking the visit back: it stays Ben's, and open
    [moved_visit] = [v for v in ben.ok("GET", "/v1/visits") if v["id"] == visit["id"]]
    assert moved_visit["technician_id"] == ben.user["id"]
    assert moved_visit["status"] != "completed"
    done = dict(later, status="completed", completed_at=datetime.now(UTC).isoformat())
    [answer] = ana.push(mutation("session", session_id, mine["version"], done))
    # kept for Ben, but said plainly: the session is not completed (the visit is Ben's)
    assert (answer["status"], answer["code"]) == ("applied", "handed_over")
    assert (answer["record"]["status"], answer["record"]["completed_at"]) == (
        "in_progress", None)
    assert answer["record"]["data"]["outcome"] == "Door rollers cleaned before I left"
    [told] = [h for h in office.ok("GET", "/v1/admin/serve/help") if h["request_id"] == "help-2"]
    assert told["status"] == "accepted"  # the office is told, in the hand-over's history
    assert told["history"][-1]["note"].startswith("completed after the hand-over")
    answered_at = answer["record"]["data"]["help"][1]["answered_at"]
    assert answered_at and answered_at == answers["help-2"]["answered_at"]  # the answer's time
    assert [v["status"] for v in ben.ok("GET", "/v1/visits") if v["id"] == visit["id"]] != [
        "completed"]
    # a new session of Ana's for the visit that is not hers any more is still refused
    other = mutation("session", str(uuid.uuid4()), None, later)
    assert ana.push(other)[0]["status"] == "rejected"


def test_the_digest_holds_only_the_callers_own(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, ben = login(fresh_office, "ana"), login(fresh_office, "ben")
    visit = ana.ok("GET", "/v1/visits")[0]
    session_id = str(uuid.uuid4())
    wishes = [{"id": "w-1", "text": "Quieter doors", "answer": "not_yet"}]
    session = completed(visit["id"], 5, wishes)
    assert ana.push(mutation("session", session_id, None, session))[0]["status"] == "applied"
    mine = ana.ok("GET", "/v1/serve/digest")
    kinds = sorted(t["kind"] for t in mine["tasks"] if t["session_id"] == session_id)
    assert kinds == ["call_back", "praise", "wish_follow_up"]
    assert mine["held"] == [] or all(isinstance(h["verdict"], str) for h in mine["held"])
    theirs = ben.ok("GET", "/v1/serve/digest")
    assert not [t for t in theirs["tasks"] if t["session_id"] == session_id]


def test_goodwill_the_office_approved_over_the_year_still_counts(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    """Goodwill flagged over the year and then approved was spent: later goodwill given
    offline on another laptop is counted against the year with it, and flagged."""
    ana, office = login(fresh_office, "ana"), login(fresh_office, "office")
    visit = ana.ok("GET", "/v1/visits")[0]
    office.ok("PUT", f"/v1/admin/sites/{visit['site_id']}/contract", json=TERMS)
    at = datetime.now(UTC)
    for n, (ident, minutes) in enumerate((("gw-a1", 20), ("gw-b1", 15), ("gw-b2", 15),
                                          ("gw-a2", 5))):
        if ident == "gw-a2":  # the office approved gw-b2 (over the year's 40) meanwhile
            [row] = [g for g in office.ok("GET", "/v1/admin/serve/goodwill")
                     if g["request_id"] == "gw-b2"]
            assert row["over_allowance"] and row["status"] == "pending"
            office.ok("POST", f"/v1/admin/serve/goodwill/{row['id']}/decision",
                      json={"approved": True, "reason": "Good customer"})
        session = completed(visit["id"], None, [])
        session["data"] = {"goodwill": [goodwill(ident, minutes, "done",
                                                 at + timedelta(minutes=n))]}
        assert ana.push(mutation("session", str(uuid.uuid4()), None,
                                 session))[0]["status"] == "applied"
    rows = {g["request_id"]: g for g in office.ok("GET", "/v1/admin/serve/goodwill")}
    assert rows["gw-b2"]["status"] == "approved"
    # 20 + 15 + 15 approved = 50 of 40: the 5 given offline later needs approval too
    assert rows["gw-a2"]["over_allowance"] and rows["gw-a2"]["status"] == "pending"
    assert (rows["gw-a1"]["status"], rows["gw-b1"]["status"]) == ("done", "done")


def test_the_offices_phone_stands_in_for_a_contract_without_one(
    demo_database: Template, login: LoginFactory
) -> None:
    """"Who to call": a site whose contract names no phone (or that has none) reaches the
    laptop with the office's configured phone; a contract's own phone wins."""
    with demo_office(demo_database, office_phone="+49 30 999 0") as bo:
        ana, office = login(bo, "ana"), login(bo, "office")
        ana.http.headers[schemas.SYNC_FEATURES_HEADER] = schemas.TEXT_CODES
        first, second = sorted({v["site_id"] for v in ana.ok("GET", "/v1/visits")})[:2]
        office.ok("PUT", f"/v1/admin/sites/{first}/contract", json=TERMS)
        office.ok("PUT", f"/v1/admin/sites/{second}/contract",
                  json={**TERMS, "office_phone": ""})
        sites = {c["id"]: c["data"] for c in ana.pull_all()[0] if c["entity"] == "site"}
        assert sites[first]["contract"]["office_phone"] == "+49 30 1234567"
        assert sites[second]["contract"]["office_phone"] == "+49 30 999 0"
        assert sites[second]["contract"]["allowance"]["minutes_per_year"] == 40
        without = [s for s in sites.values() if s["id"] not in (first, second)]
        assert without and all(schemas.Site.model_validate(s).contract == schemas.Contract(
            office_phone="+49 30 999 0") for s in without)  # the standard terms, the phone
        # the admin API shows the contract as set: the fallback is the office's setting
        assert office.ok("GET", f"/v1/admin/sites/{second}/contract")["office_phone"] == ""


def test_without_an_office_phone_sites_are_served_as_stored(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana = login(fresh_office, "ana")
    ana.http.headers[schemas.SYNC_FEATURES_HEADER] = schemas.TEXT_CODES
    sites = [c["data"] for c in ana.pull_all()[0] if c["entity"] == "site"]
    assert sites and all(s["contract"] is None for s in sites)


def test_a_hand_over_of_a_visit_completed_meanwhile_cannot_be_accepted(
    fresh_office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    """The technician asked for a hand-over, then finished the visit after all: accepting
    would give a colleague a completed visit. A clear 409; declining still works."""
    ana, ben, office = (login(fresh_office, who) for who in ("ana", "ben", "office"))
    visit = ana.ok("GET", "/v1/visits")[0]
    session = completed(visit["id"], None, [])
    session["data"] = {"help": [help_request("help-1", "handover", "Sick")]}
    session_id = str(uuid.uuid4())
    assert ana.push(mutation("session", session_id, None, session))[0]["status"] == "applied"
    [item] = [h for h in office.ok("GET", "/v1/admin/serve/help")
              if h["session_id"] == session_id]
    path = f"/v1/admin/serve/help/{item['id']}/answer"
    refused = office.request("POST", path, json={"accepted": True, "answer": "Ben takes it",
                                                 "helper": ben.user["id"]})
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "visit_closed"
    assert [v["technician_id"] for v in ana.ok("GET", "/v1/visits")
            if v["id"] == visit["id"]] == [ana.user["id"]]  # still Ana's, completed
    assert office.ok("POST", path, json={"accepted": False, "answer": "Done already"})[
        "status"] == "declined"
