"""Every shipped reference points to a source a clinician can check (issue 11).

The allow-list is deliberately short: the label itself (DailyMed by set-id, FDALabel, FDA and its
REMS and openFDA pages, the SPRAVATO REMS programme), the EMA and an EU national SmPC for ex-US
rules, a DOI for every paper that has one, PubMed/PMC, the WHO, and the one NHS service page that
holds a local policy. Manufacturer medical-information pages and a calculator are allowed only as
named secondary sources. Never a test/UAT/dev host, a mirror, a relabeller's label or a summary site.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ketplan.core import references as core_refs
from ketplan.core.protocol import parse_protocol

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL_FILES = sorted((ROOT / "protocols").glob("*.toml"))

ALLOWED_HOSTS = {
    "dailymed.nlm.nih.gov",
    "nctr-crs.fda.gov",
    "www.accessdata.fda.gov",
    "api.fda.gov",
    "www.fda.gov",
    "www.spravatorems.com",
    "www.ema.europa.eu",
    "medicines.ie",
    "doi.org",
    "pubmed.ncbi.nlm.nih.gov",
    "pmc.ncbi.nlm.nih.gov",
    "www.who.int",
    "www.oxfordhealth.nhs.uk",
    "www.psychiatrist.com",  # the publisher's page of a paper without a DOI (Andrade 2019)
}
# Allowed only when the citation names the page a secondary source.
SECONDARY_HOSTS = {"jnjmedicalconnect.com", "www.jnjmedicalconnect.com", "globalrph.com"}
DOI = re.compile(r"10\.\d{4,9}/[^\s/][^\s]*")
SPRAVATO_SET_ID = "d81a6a79-a74a-44b7-822c-0dfa3036eaed"
KETALAR_SET_ID = "14e8f864-8b8a-4e7e-8439-e510d3107063"


def _shipped() -> list[tuple[str, str, str, str | None, str | None]]:
    """(where, citation, link, doi, url) for every reference ketplan can print."""
    out = []
    for path in PROTOCOL_FILES:
        protocol = parse_protocol(path.read_text(encoding="utf-8"), path.name)
        for key, ref in protocol.references.items():
            out.append((f"{path.name}:{key}", ref.citation, ref.link, ref.doi, ref.url))
    for name in dir(core_refs):
        ref = getattr(core_refs, name)
        if isinstance(ref, core_refs.Reference):
            out.append((f"core.references.{name}", ref.citation, ref.link, ref.doi, ref.url))
    return out


SHIPPED = _shipped()


def test_there_are_references_to_check():
    assert len(SHIPPED) > 60


@pytest.mark.parametrize("where, citation, link, doi, url", SHIPPED, ids=[s[0] for s in SHIPPED])
def test_every_reference_is_on_an_allowed_host(where, citation, link, doi, url):
    parts = urlsplit(link)
    assert parts.scheme == "https", f"{where}: {link} is not https"
    host = parts.hostname or ""
    assert not re.search(r"(^|[.-])(uat|dev\d*|qa\d*|staging|test)([.-]|$)", host), f"{where}: {host} is a test host"
    if host in SECONDARY_HOSTS:
        assert "secondary" in citation.lower(), f"{where}: {host} must be cited as a secondary source"
    else:
        assert host in ALLOWED_HOSTS, f"{where}: {host} is not an authoritative host"


@pytest.mark.parametrize("where, citation, link, doi, url", SHIPPED, ids=[s[0] for s in SHIPPED])
def test_every_doi_is_in_the_doi_form(where, citation, link, doi, url):
    if doi is not None:
        assert DOI.fullmatch(doi), f"{where}: {doi!r} is not a DOI (10.NNNN/suffix)"
        assert link == f"https://doi.org/{doi}"
    if url is not None:
        # A DOI belongs in the doi field, never hidden in a URL to the publisher or doi.org.
        assert urlsplit(url).hostname != "doi.org", f"{where}: put the DOI in `doi`, not in `url`"


def test_the_labels_are_cited_by_their_dailymed_set_ids():
    links = {link for _, _, link, _, _ in SHIPPED}
    assert f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={SPRAVATO_SET_ID}" in links
    assert f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={KETALAR_SET_ID}" in links
    for where, _citation, link, _, _ in SHIPPED:
        if "dailymed" in link:
            assert SPRAVATO_SET_ID in link or KETALAR_SET_ID in link, f"{where}: a relabeller's label? {link}"


@pytest.mark.parametrize(
    "doi",
    ["10.1192/bjp.2023.79", "10.1001/jamapsychiatry.2017.0080", "10.4088/JCP.17f11738"],
)
def test_the_papers_the_review_named_are_cited_by_doi(doi):
    assert any(d == doi for _, _, _, d, _ in SHIPPED), doi


def test_the_host_check_itself_refuses_what_the_review_named():
    # The hosts REFERENCE.md says never to cite are not on either list.
    for host in (
        "uat.mims.com",
        "uat.mimsdev.com",
        "fda.report",
        "manualspro.net",
        "www.moreblossom.com",
        "inpharmd.com",
        "www.cervello-wellness.com",
        "etg-complete-oxy.netlify.app",
        "www.lopezpsychiatry.com",
        "dev2.psychiatrist.com",
        "www.spravatohcp.com",
        "www.medicalnewstoday.com",
        "www.mayoclinic.org",
    ):
        assert host not in ALLOWED_HOSTS | SECONDARY_HOSTS
