"""fastsql returns the same objects, with the same converted values, as the ORM would."""

import datetime as dt

from conftest import make_user
from dangjian.accounts import services
from dangjian.accounts.models import ApiToken
from dangjian.core import fastsql


def test_the_same_token_and_user_as_the_orm(tree, django_assert_num_queries):
    user = make_user("secretary", tree.branch_a, display_name="王书记")
    token, _raw = services.token_create(user=user, name="手机", scopes=["members:read", "meetings:write"])
    with django_assert_num_queries(1):
        fast = fastsql.first_with_related(ApiToken, "user", "prefix", token.prefix)
        assert fast.user.display_name == "王书记"  # loaded with it, no second query
    slow = ApiToken.objects.select_related("user").get(prefix=token.prefix)
    for field in ApiToken._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(slow, field.attname), field.name
    for field in type(slow.user)._meta.concrete_fields:
        assert getattr(fast.user, field.attname) == getattr(slow.user, field.attname), field.name
    assert fast.scopes == ["meetings:write", "members:read"] and isinstance(fast.expires_at, dt.datetime)
    assert fast.expires_at.tzinfo is not None and fast._state.adding is False
    assert fastsql.first_with_related(ApiToken, "user", "prefix", "nosuch") is None
