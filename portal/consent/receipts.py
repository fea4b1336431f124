"""Receipts for every consent change: Kantara Consent Receipt v1.1 JSON, a PDF in the
person's language, and each decision as an HL7 FHIR R4B ``Consent`` (../shared/standards.md).

The Kantara format cannot say "no", "ask me each time", "withdrawn" or "done by an advocate
for the person". We keep its required fields as the spec defines them (a refusal appears
with ``thirdPartyDisclosure: false``) and put the full decisions in one documented
extension object, ``extensions.consentPortal``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.accounts.models import Account
from portal.consent.models import Choice, ConsentChange, ConsentDecision, Method
from portal.extensions import db
from portal.i18n import format_local_date, format_local_time, is_supported
from portal.people.models import Person
from portal.policy import services as policy
from portal.policy.models import PolicyVersion

PORTAL_SYSTEM = "urn:consent-portal"
KANTARA_VERSION = "KI-CR-v1.1.0"
# Kantara's sensitive-data categories our kinds of information fall into.
SENSITIVE_KINDS = {"health", "mental-health", "offending", "children", "whereabouts-and-routine"}

COLLECTION = {
    Method.PORTAL: "Signed in the portal",
    Method.PAPER: "Signed form, entered by staff",
    Method.EMAIL: "Email, entered by staff",
    Method.VERBAL: "Spoken, recorded by staff with a witness",
}


def _labels(version: PolicyVersion, language: str) -> tuple[dict[str, str], dict[str, str]]:
    text = policy.policy_text(version, language)
    return dict(text.agencies), dict(text.information_kinds)


def kantara_receipt(change: ConsentChange, person: Person) -> dict[str, Any]:
    version = db.session.get(PolicyVersion, change.policy_version_id)
    assert version is not None
    organisation = version.settings["organisation"]
    agencies, kinds = _labels(version, "en")
    services = []
    for agency in sorted({d.agency for d in change.decisions}):
        decisions = [d for d in change.decisions if d.agency == agency]
        for choice in (Choice.YES, Choice.ASK, Choice.NO):
            chosen = [d for d in decisions if d.choice == choice]
            if not chosen:
                continue
            services.append({
                "service": f"Sharing with {agencies.get(agency, agency)}",
                "purposes": [{
                    "purpose": chosen[0].purpose or "To help the person, or keep them or others safe",
                    "consentType": "EXPLICIT",
                    "purposeCategory": ["9 - Delivery of services"],
                    "piiCategory": [kinds.get(d.information_kind, d.information_kind) for d in chosen],
                    "primaryPurpose": False,
                    "termination": f"Until withdrawn, or review on {chosen[0].review_due.isoformat()}",
                    "thirdPartyDisclosure": choice == Choice.YES,
                    "thirdPartyName": agencies.get(agency, agency),
                }],
            })
    sensitive = sorted({kinds.get(d.information_kind, d.information_kind)
                        for d in change.decisions if d.information_kind in SENSITIVE_KINDS})
    return {
        "version": KANTARA_VERSION,
        "jurisdiction": "GB",
        "consentTimestamp": int(change.created_at.timestamp()),
        "collectionMethod": COLLECTION[change.method],
        "consentReceiptID": change.reference,
        "language": change.language,
        "piiPrincipalId": person.reference,
        "piiControllers": [{
            "piiController": organisation["name"],
            "contact": organisation["name"],
            "address": organisation.get("address", ""),
            "email": organisation.get("email", ""),
            "phone": organisation["contact"],
            "piiControllerUrl": organisation.get("website", ""),
        }],
        "policyUrl": url_for("policy.read", _external=True),
        "services": services,
        "sensitive": bool(sensitive),
        "spiCat": sensitive,
        "extensions": {
            "consentPortal": {
                "documentation": "docs/consent-receipts.md",
                "kind": change.kind,
                "actedAs": change.acted_as,
                "witness": change.witness,
                "policyVersion": version.label,
                "decisions": [
                    {"agency": d.agency, "informationKind": d.information_kind,
                     "choice": d.choice.value, "reviewDue": d.review_due.isoformat()}
                    for d in change.decisions
                ],
            }
        },
    }


def fhir_consent(decision: ConsentDecision, person: Person, *, in_force: bool) -> dict[str, Any]:
    """One decision as an R4B Consent. "Ask me each time" is a deny (nothing may be shared
    without asking), marked with a portal extension so it is not mistaken for a refusal."""
    change = decision.change
    version = db.session.get(PolicyVersion, change.policy_version_id)
    assert version is not None
    organisation = version.settings["organisation"]
    agencies, kinds = _labels(version, "en")
    performer: dict[str, Any] = {"identifier": {"system": f"{PORTAL_SYSTEM}:person",
                                                "value": person.reference}}
    if change.acted_as != "self":
        actor = db.session.get(Account, change.acted_by_id)
        performer = {"type": "RelatedPerson" if change.acted_as == "advocate" else "Practitioner",
                     "display": actor.display_name if actor else "unknown"}
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": f"{change.reference.lower()}-{decision.id}",
        "identifier": [{"system": f"{PORTAL_SYSTEM}:decision", "value": str(decision.id)},
                       {"system": f"{PORTAL_SYSTEM}:receipt", "value": change.reference}],
        "status": "active" if in_force else "inactive",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0",
                                  "display": "Consent Document"}]}],
        "patient": {"identifier": {"system": f"{PORTAL_SYSTEM}:person", "value": person.reference}},
        "dateTime": change.created_at.isoformat(),
        "performer": [performer],
        "organization": [{"display": organisation["name"]}],
        "policy": [{"authority": organisation.get("website") or None,
                    "uri": url_for("policy.read", _external=True) + f"#version-{version.label}"}],
        "verification": [{"verified": change.method == Method.PORTAL or change.method == Method.PAPER,
                          "verificationDate": change.created_at.isoformat()}],
        "provision": {
            "type": "permit" if decision.choice == Choice.YES else "deny",
            "period": {"start": change.created_at.date().isoformat(),
                       "end": decision.review_due.isoformat()},
            "actor": [{
                "role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                     "code": "IRCP", "display": "information recipient"}]},
                "reference": {"identifier": {"system": f"{PORTAL_SYSTEM}:agency", "value": decision.agency},
                              "display": agencies.get(decision.agency, decision.agency)},
            }],
            "action": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentaction",
                                    "code": "disclose"}]}],
            "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "COC",
                         "display": "coordination of care"}],
            "class": [{"system": f"{PORTAL_SYSTEM}:information-kind", "code": decision.information_kind,
                       "display": kinds.get(decision.information_kind, decision.information_kind)}],
        },
    }
    if resource["policy"][0]["authority"] is None:
        del resource["policy"][0]["authority"]
    if decision.choice == Choice.ASK:
        resource["provision"]["extension"] = [{"url": f"{PORTAL_SYSTEM}/fhir/ask-each-time",
                                               "valueBoolean": True}]
    return resource


def receipt_pdf(change: ConsentChange, person: Person) -> bytes:
    """What they agreed and refused, with whom, when, and how to change it, in the language
    they used (POL-2, CON-11)."""
    from portal.pdf import Heading, Paragraph, Spacer, render_pdf

    version = db.session.get(PolicyVersion, change.policy_version_id)
    assert version is not None
    language = change.language if is_supported(change.language) else "en"
    agencies, kinds = _labels(version, language)
    with force_locale(language):
        title = _("Your choices about sharing: receipt")
        blocks: list[Any] = [
            Paragraph(_("Reference: %(reference)s", reference=change.reference)),
            Paragraph(_("Made on %(date)s.", date=format_local_time(change.created_at))),
        ]
        if change.acted_as == "advocate":
            blocks.append(Paragraph(_("Made by someone helping you, on your behalf.")))
        elif change.acted_as == "staff":
            blocks.append(Paragraph(_("Recorded by our staff.")))
        if change.kind == "withdraw-all":
            blocks.append(Paragraph(_("You stopped all sharing.")))
        headings = {
            Choice.YES: _("You agreed we may share"),
            Choice.ASK: _("We will ask you each time before sharing"),
            Choice.NO: _("You said we may not share"),
        }
        for choice in (Choice.YES, Choice.ASK, Choice.NO):
            chosen = [d for d in change.decisions if d.choice == choice]
            if chosen:
                blocks += [Spacer(), Heading(headings[choice])]
                blocks += [Paragraph("• " + _("%(kind)s, to %(agency)s",
                                               kind=kinds.get(d.information_kind, d.information_kind),
                                               agency=agencies.get(d.agency, d.agency)))
                           for d in chosen]
        review = min(d.review_due for d in change.decisions)
        blocks += [
            Spacer(), Heading(_("Changing your mind")),
            Paragraph(_("You can change or stop any of these at any time: sign in and go to "
                        "“Who can know what”, or call us on %(phone)s.",
                        phone=version.settings["organisation"]["contact"])),
            Paragraph(_("We will ask you to look at these choices again by %(date)s.",
                        date=format_local_date(review))),
        ]
        return render_pdf(title=title, language=language, blocks=blocks,
                          footer=version.settings["organisation"]["name"])


def decision_in_force(decision: ConsentDecision, latest: dict[tuple[str, str], ConsentDecision],
                      today: date) -> bool:
    current = latest.get((decision.agency, decision.information_kind))
    return current is not None and current.id == decision.id and decision.review_due >= today
