"""Reading alice's bank through the real FAPI 2.0 flow (fixtures in conftest.py)."""

import httpx

from fapi import Client


def test_alice_sees_her_accounts(bank, login_as):
    alice = login_as("alice")

    response = alice.get(f"{bank.url}/accounts")

    assert response.status_code == 200
    accounts = response.json()["data"]
    types = {account["accountType"] for account in accounts}
    assert {"CHECKING", "SAVINGS", "CREDIT_CARD", "MORTGAGE"} <= types


def test_transactions_come_in_pages(bank, login_as):
    alice = login_as("alice")
    accounts = alice.get(f"{bank.url}/accounts").json()["data"]
    current = next(
        a for a in accounts if a["accountType"] == "CHECKING" and a["ownership"] == "SOLE"
    )

    first = alice.get(f"{bank.url}/accounts/{current['accountId']}/transactions", pageSize=10)
    assert first.status_code == 200
    page = first.json()
    assert len(page["data"]) == 10

    # links.next is a full URL carrying the filters and the cursor: follow it as it is.
    second = alice.get(page["links"]["next"]).json()
    assert len(second["data"]) == 10
    seen = {t["transactionId"] for t in page["data"]}
    assert seen.isdisjoint(t["transactionId"] for t in second["data"])


def test_a_signed_request_object_and_a_signed_response(bank):
    # FAPI 2.0 Message Signing: the request is a JWT signed by the app, the response one signed
    # by the bank (JARM), verified against the bank's published keys.
    app = Client.register(bank.issuer, name="pytest signed example", signed=True)
    alice = app.login_as("alice", "accounts", signed=True)

    assert alice.get(f"{bank.url}/accounts").status_code == 200


def test_a_token_without_its_dpop_proof_is_refused(bank, login_as):
    alice = login_as("alice")

    # The token alone is not enough: without a proof from its key, a stolen token is useless.
    response = httpx.get(
        f"{bank.url}/accounts", headers={"Authorization": f"DPoP {alice.access_token}"}
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("DPoP")


def admin(bank, method: str, path: str, **kwargs) -> httpx.Response:
    """A sandbox control API call, with the admin key of the ready line."""
    headers = {"Authorization": f"Bearer {bank.admin_key}"}
    return httpx.request(method, f"{bank.url}{path}", headers=headers, timeout=30, **kwargs)


def newest_booking(session, bank, account_id: str) -> str:
    """The booking date of the account's newest transaction (pages are newest first)."""
    url = f"{bank.url}/accounts/{account_id}/transactions"
    page = session.get(url, pageSize=1).json()
    return page["data"][0]["bookingDateTime"][:10]


def test_the_sandbox_clock_moves_time_and_data_forward(bank, login_as):
    # The control API lists the personas: with the key of the ready line, and only with it.
    personas = admin(bank, "GET", "/sandbox/personas")
    assert personas.status_code == 200
    assert {"alice", "sam", "ivan"} <= {p["username"] for p in personas.json()["data"]}
    assert httpx.get(f"{bank.url}/sandbox/personas").status_code == 401

    alice = login_as("alice")
    accounts = alice.get(f"{bank.url}/accounts").json()["data"]
    current = next(
        a for a in accounts if a["accountType"] == "CHECKING" and a["ownership"] == "SOLE"
    )
    clock = admin(bank, "GET", "/sandbox/clock").json()
    assert newest_booking(alice, bank, current["accountId"]) < clock["dataAsOf"]

    try:
        moved = admin(bank, "POST", "/sandbox/clock", json={"advanceBy": "P10D"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["offsetSeconds"] == clock["offsetSeconds"] + 10 * 86_400
        assert moved.json()["dataAsOf"] > clock["dataAsOf"]

        # Alice's token lived ten minutes: on the sandbox clock they are long gone.
        assert alice.get(f"{bank.url}/accounts").status_code == 401

        # A new login works, though this client signs with its own (real) clock, and the ten
        # days brought new transactions.
        alice = login_as("alice")
        assert newest_booking(alice, bank, current["accountId"]) >= clock["dataAsOf"]
    finally:
        # Back to the seed's data and real time for the other tests (clients stay registered).
        assert admin(bank, "POST", "/sandbox/reset").status_code == 200


def test_a_payment_is_consented_made_and_settles_when_the_clock_moves(bank, client):
    # The customer consents to one payment (RAR); the granted detail names the account she
    # pays from. Amounts ending in .04 settle only a day later: the scenario table in the
    # README lists every outcome a test can ask for.
    payment = {
        "instructedAmount": {"amount": "42.04", "currency": "GBP"},
        "creditorName": "Bristol Lettings Ltd",
        "creditorAccount": {"scheme": "SORT_CODE_ACCOUNT_NUMBER", "identification": "20000055779911"},
        "remittanceInformation": "RENT FLAT 2",
    }
    alice = client.login_as(
        "alice", "openid", authorization_details=[{"type": "payment_initiation", **payment}]
    )
    granted = alice.authorization_details[0]
    assert granted["debtorAccount"]

    # The body repeats the consent; the key makes a retry safe.
    made = alice.post(f"{bank.url}/payments", payment, {"Idempotency-Key": "rent-dec"})
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "ACCEPTED", made.json()
    retried = alice.post(f"{bank.url}/payments", payment, {"Idempotency-Key": "rent-dec"})
    assert retried.status_code == 201 and retried.json()["paymentId"] == made.json()["paymentId"]
    url = made.headers["Location"]

    try:
        assert admin(bank, "POST", "/sandbox/clock", json={"advanceBy": "P1D"}).status_code == 200
        # The token expired with the day; the `payments` scope reads the client's payments.
        alice = client.login_as("alice", "openid payments")
        settled = alice.get(url).json()
        assert settled["status"] == "SETTLED", settled
        statuses = [e["status"] for e in alice.get(f"{url}/events").json()["data"]]
        assert statuses == ["PENDING", "ACCEPTED", "SETTLED"]
    finally:
        assert admin(bank, "POST", "/sandbox/reset").status_code == 200


def test_a_claim_is_filed_and_paid_as_the_clock_moves(bank, client):
    # Ivan insures his car. A first notice of loss on that policy enters the claim lifecycle:
    # a day later it is under review, two days after that decided (the deductible off), and a
    # day later paid into the account the premiums come from.
    ivan = client.login_as("ivan", "openid insurance insurance_claims")
    policies = ivan.get(f"{bank.url}/insurance/policies").json()["data"]
    motor = next(p for p in policies if p["lineOfBusiness"] == "AUTO")
    today = admin(bank, "GET", "/sandbox/clock").json()["now"][:10]
    claim = {
        "incidentDate": max(today, motor["term"]["startDate"]),
        "claimType": "COLLISION",
        "description": "Rear bumper and tailgate damaged by a reversing van in a car park",
        "claimedAmount": {"amount": "1477.35", "currency": motor["premium"]["amount"]["currency"]},
    }
    filed = ivan.post(f"{bank.url}/insurance/policies/{motor['policyId']}/claims", claim)
    assert filed.status_code == 201, filed.text
    assert filed.json()["status"] == "SUBMITTED"
    url = filed.headers["Location"]

    try:
        assert admin(bank, "POST", "/sandbox/clock", json={"advanceBy": "P4D"}).status_code == 200
        ivan = client.login_as("ivan", "openid insurance")
        paid = ivan.get(url).json()
        assert paid["status"] == "PAID", paid
        assert paid["payoutAccountId"] == motor["premium"]["paymentAccountId"]
    finally:
        assert admin(bank, "POST", "/sandbox/reset").status_code == 200
