import pytest

from graph_aws.aws.selection import Selection, SkipTag

MEMBER = "111111111111"


def decide(selection=None, *, status="ACTIVE", tags=None, ancestors=("r-root",), is_management=False):
    return (selection or Selection()).decide(
        account_id=MEMBER, status=status, tags=tags or {}, ancestors=ancestors, is_management=is_management
    )


@pytest.mark.parametrize(
    "tags",
    [
        {"j1-integration": "SKIP"},
        {"j1-integration": "skip"},
        {"J1-Integration": "Skip"},
        {" j1-integration ": " SKIP "},
        {"team": "x", "j1-integration": "SKIP"},
    ],
)
def test_the_skip_tag_ignores_case_and_surrounding_spaces(tags):
    decision = decide(tags=tags)
    assert decision.status == "skipped"
    assert decision.reason == "tagged j1-integration=SKIP"


@pytest.mark.parametrize(
    "tags",
    [
        {"j1-integration": "SKIPPED"},
        {"j1-integration": ""},
        {"j1_integration": "SKIP"},
        {"SKIP": "j1-integration"},
    ],
)
def test_near_misses_of_the_skip_tag_are_ingested(tags):
    assert decide(tags=tags).selected


def test_a_custom_skip_tag_replaces_the_default_pair():
    selection = Selection(skip_tag=SkipTag("graph-aws", "exclude"))
    assert decide(selection, tags={"graph-aws": "EXCLUDE"}).status == "skipped"
    assert decide(selection, tags={"j1-integration": "SKIP"}).selected


@pytest.mark.parametrize("status", ["SUSPENDED", "PENDING_CLOSURE", "CLOSED", "PENDING_ACTIVATION"])
def test_accounts_that_are_not_active_are_never_selected(status):
    decision = decide(status=status)
    assert decision.status == "inactive"
    assert status in decision.reason


def test_the_management_account_is_always_ingested():
    selection = Selection(skip_accounts=frozenset({MEMBER}), include_ous=frozenset({"ou-aaaa-11111111"}))
    assert decide(selection, tags={"j1-integration": "SKIP"}, is_management=True).selected


def test_skip_account():
    assert decide(Selection(skip_accounts=frozenset({MEMBER}))).reason == "skipped by --skip-account"


def test_ous_cover_the_ous_nested_in_them():
    nested = ("r-root", "ou-eng0-11111111", "ou-plat-22222222")
    skip_eng = Selection(skip_ous=frozenset({"ou-eng0-11111111"}))
    assert decide(skip_eng, ancestors=nested).reason == "in skipped OU ou-eng0-11111111"
    assert decide(skip_eng, ancestors=("r-root", "ou-data-33333333")).selected
    only_eng = Selection(include_ous=frozenset({"ou-eng0-11111111"}))
    assert decide(only_eng, ancestors=nested).selected
    assert decide(only_eng, ancestors=("r-root",)).reason == "outside the included OUs"


def test_ou_rules_without_a_tree_select_nothing_rather_than_guess():
    selection = Selection(include_ous=frozenset({"ou-eng0-11111111"}))
    assert "could not be read" in decide(selection, ancestors=None).reason
    assert decide(Selection(), ancestors=None).selected


def test_ids_the_organization_does_not_have_are_each_named():
    selection = Selection(
        skip_accounts=frozenset({"111111111111", "999999999999", "222222222222"}),
        skip_ous=frozenset({"ou-gone-00000000"}),
        include_ous=frozenset({"ou-eng0-11111111", "ou-zzzz-zzzzzzzz"}),
    )
    problems = selection.mismatches(
        account_ids={"111111111111", "222222222222"},
        unit_ids={"r-root", "ou-eng0-11111111"},
        management_id="222222222222",
    )
    assert problems == [
        "--skip-account 222222222222 is the management account, which is always ingested",
        "--skip-account 999999999999: no such account in the organization",
        "--skip-ou ou-gone-00000000: no such OU or root in the organization",
        "--include-ou ou-zzzz-zzzzzzzz: no such OU or root in the organization",
    ]


def test_ous_are_not_judged_without_the_tree():
    selection = Selection(include_ous=frozenset({"ou-zzzz-zzzzzzzz"}))
    assert selection.mismatches(account_ids=set(), unit_ids=None, management_id=None) == []
