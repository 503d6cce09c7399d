"""The merge both backends share: reading each distinct view once gives the same object as all views."""

from hypothesis import given
from hypothesis import strategies as st

from graph_aws.store.base import merge_views
from graph_aws.store.sync import digest, dump, views_to_read

scopes = st.sampled_from([f"account:{n:012d}" for n in range(6)] + ["organization:o-1", "organization:o-2"])
views = st.fixed_dictionaries(
    {"_key": st.just("global:internet")},
    optional={
        "_source": st.sampled_from(["system-mapper", "integration-managed"]),
        "_integrationInstanceId": st.sampled_from(["i-1", "i-2"]),
        "a": st.one_of(st.none(), st.integers(0, 2)),
        "b": st.one_of(st.none(), st.integers(0, 2)),
        "name": st.sampled_from(["x", "y"]),
    },
)


@given(st.dictionaries(scopes, views, max_size=8))
def test_merging_the_last_copy_of_each_distinct_view_equals_merging_them_all(by_scope):
    every = list(by_scope.items())
    needed = views_to_read((scope, digest(dump(view))) for scope, view in every)
    assert merge_views((scope, by_scope[scope]) for scope in needed) == merge_views(every)
    assert len(needed) == len({dump(view) for view in by_scope.values()})
