"""Receipts as standard formats: Kantara consent receipt v1.1 and HL7 FHIR R4B Consent
(../shared/standards.md). fhir.resources checks structure; the codes are checked here."""

from __future__ import annotations

from fhir.resources.R4B.consent import Consent
from flask import Flask

from tests.conftest import World, sign_in_as
from tests.consent.test_person_pages import decide, sign

KANTARA_REQUIRED = ["version", "jurisdiction", "consentTimestamp", "collectionMethod", "consentReceiptID",
                    "piiPrincipalId", "piiControllers", "policyUrl", "services", "sensitive", "spiCat"]
CONTROLLER_REQUIRED = ["piiController", "contact", "address", "email", "phone"]
PURPOSE_REQUIRED = ["purpose", "consentType", "purposeCategory", "piiCategory", "termination",
                    "thirdPartyDisclosure"]


def _signed(app: Flask, world: World):  # type: ignore[no-untyped-def]
    client = app.test_client()
    sign_in_as(client, world.sam)
    decide(client, "family-court", "parenting", "yes")
    decide(client, "family-court", "contact-details", "no")
    decide(client, "health-visitor", "contact-details", "ask")
    return client, sign(client)


def test_kantara_receipt_has_every_required_field(app: Flask, world: World) -> None:
    client, reference = _signed(app, world)
    receipt = client.get(f"/consent/receipts/{reference}.json").get_json()
    for field in KANTARA_REQUIRED:
        assert field in receipt, field
    assert receipt["version"] == "KI-CR-v1.1.0" and receipt["jurisdiction"] == "GB"
    assert isinstance(receipt["consentTimestamp"], int) and receipt["consentReceiptID"] == reference
    assert receipt["piiPrincipalId"] == world.sam_person.reference
    for field in CONTROLLER_REQUIRED:
        assert field in receipt["piiControllers"][0], field
    purposes = [p for service in receipt["services"] for p in service["purposes"]]
    for purpose in purposes:
        for field in PURPOSE_REQUIRED:
            assert field in purpose, field
        assert purpose["thirdPartyName"]  # required when thirdPartyDisclosure is true
    # A refusal is there too, as a purpose with no disclosure, and fully in our extension.
    assert any(p["thirdPartyDisclosure"] is False for p in purposes)
    choices = {(d["agency"], d["informationKind"]): d["choice"]
               for d in receipt["extensions"]["consentPortal"]["decisions"]}
    assert choices == {("family-court", "parenting"): "yes", ("family-court", "contact-details"): "no",
                       ("health-visitor", "contact-details"): "ask"}


def test_each_decision_is_a_valid_fhir_r4b_consent_with_the_right_codes(app: Flask, world: World) -> None:
    client, reference = _signed(app, world)
    receipt = client.get(f"/consent/receipts/{reference}.json").get_json()
    assert receipt
    from sqlalchemy import select

    from portal.consent.models import ConsentDecision
    from portal.extensions import db

    with app.app_context():
        ids = {(d.agency, d.information_kind): d.id for d in db.session.scalars(select(ConsentDecision))}
    expected = {("family-court", "parenting"): "permit", ("family-court", "contact-details"): "deny",
                ("health-visitor", "contact-details"): "deny"}
    for pair, provision_type in expected.items():
        resource = client.get(f"/consent/decisions/{ids[pair]}/fhir.json").get_json()
        Consent.model_validate(resource)  # structure (raises on any error)
        assert resource["status"] in {"draft", "proposed", "active", "rejected", "inactive", "entered-in-error"}
        assert resource["status"] == "active"
        assert resource["scope"]["coding"][0] == {
            "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}
        assert resource["category"][0]["coding"][0]["system"] == "http://loinc.org"
        assert resource["category"][0]["coding"][0]["code"] == "59284-0"
        provision = resource["provision"]
        assert provision["type"] == provision_type
        assert provision["actor"][0]["role"]["coding"][0]["code"] == "IRCP"
        assert provision["actor"][0]["reference"]["identifier"]["value"] == pair[0]
        assert provision["action"][0]["coding"][0]["code"] == "disclose"
        assert provision["class"][0]["code"] == pair[1]
        assert provision["purpose"][0]["code"] == "COC"
        assert resource["patient"]["identifier"]["value"] == world.sam_person.reference
        assert resource["verification"][0]["verified"] is True
    ask = client.get(f"/consent/decisions/{ids[('health-visitor', 'contact-details')]}/fhir.json").get_json()
    assert ask["provision"]["extension"][0]["valueBoolean"] is True
    # Once replaced, a decision is exported as inactive.
    decide(client, "family-court", "parenting", "no")
    sign(client)
    old = client.get(f"/consent/decisions/{ids[('family-court', 'parenting')]}/fhir.json").get_json()
    assert old["status"] == "inactive"


def test_another_persons_decision_is_not_exported(app: Flask, world: World) -> None:
    other = app.test_client()
    sign_in_as(other, world.other)
    assert other.get("/consent/decisions/1/fhir.json").status_code == 404
