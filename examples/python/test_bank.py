"""Reading alice's bank through the real FAPI 2.0 flow (fixtures in conftest.py)."""

import httpx


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


def test_a_token_without_its_dpop_proof_is_refused(bank, login_as):
    alice = login_as("alice")

    # The token alone is not enough: without a proof from its key, a stolen token is useless.
    response = httpx.get(
        f"{bank.url}/accounts", headers={"Authorization": f"DPoP {alice.access_token}"}
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("DPoP")
