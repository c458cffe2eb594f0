from conftest import login, make_user


def test_org_admin_sees_tree_page(tree):
    admin = make_user("org_admin", tree.root)
    response = login(admin).get("/orgs/")
    assert response.status_code == 200
    assert "区两新工委" in response.content.decode()
