import sqlalchemy as sa

from scheduler.extensions import db


def test_login_page_is_vietnamese(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Đăng nhập" in response.get_data(as_text=True)


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_signed_in_staff_sees_home(tree, client, auth):
    assert auth.login("vp_phucxa").status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Phường Phúc Xá" in page


def test_api_units_lists_tree(tree, client, auth):
    auth.login("vp_phucxa")
    data = client.get("/api/v1/units?kind=ward").get_json()
    codes = {u["code"] for u in data["units"]}
    assert codes == {"00001", "00004", "00037"}
    phuc_xa = next(u for u in data["units"] if u["code"] == "00001")
    assert phuc_xa["parent"] == "001" and phuc_xa["vc_deployed"] is True
    hang_bac = next(u for u in data["units"] if u["code"] == "00037")
    assert hang_bac["vc_deployed"] is False and hang_bac["wan_connected"] is False


