"""Done when: a request filed through Open311 reaches the right staff's inbox, and their changes come back."""

from stationfinder.services import reports
from tests.open311.conftest import BASE
from tests.reports_world import POINTS
from tests.staff import login


def file(client, token: str, **form) -> str:
    response = client.post(f"{BASE}/requests.json", data={"api_key": token, **form})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()[0]["service_request_id"]


def inbox(app, username: str) -> str:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client.get("/manage/reports", query_string={"status": "all"}).get_data(as_text=True)


def change(client, code: str, **form):
    with client.application.app_context():
        shown = reports.by_code(code).status
    data = {"shown_status": shown, "status": "", "note": "", "public": "y", **form}
    return client.post(f"/manage/reports/{code}", data=data)


def read(client, code: str, **query) -> dict:
    response = client.get(f"{BASE}/requests/{code}.json", query_string=query)
    assert response.status_code == 200
    (item,) = response.get_json()
    return item


def test_a_community_request_reaches_its_district_and_comes_back(app, client, world):
    _, tokens = world
    lat, lon = POINTS["gy"]
    code = file(client, tokens["admin"], service_code="community.blocked_passage", lat=lat, long=lon)
    for username in ("staff_520100", "staff_520000", "admin"):
        assert code in inbox(app, username), username
    for username in ("staff_520500", "staff_440000", "manager_gy"):
        assert code not in inbox(app, username), username

    staff = app.test_client()
    login(staff, "staff_520100")
    assert change(staff, code, status="in_progress", note="已派人处理").status_code == 303
    item = read(client, code, locale="en")
    assert (item["status"], item["status_notes"]) == ("open", "In progress: 已派人处理")
    assert item["expected_datetime"] is not None

    assert change(staff, code, status="fixed", note="通道已清理").status_code == 303
    item = read(client, code)
    assert (item["status"], item["status_notes"]) == ("closed", "已解决：通道已清理")
    assert item["expected_datetime"] is None and item["updated_datetime"] >= item["requested_datetime"]
    # An internal note never shows; the last public one stays.
    assert change(staff, code, note="内部：联系了物业", public=None).status_code == 303
    assert read(client, code)["status_notes"] == "已解决：通道已清理"


def test_a_station_request_reaches_its_manager(app, client, world):
    codes, tokens = world
    with app.app_context():
        station_id = reports.by_code(codes["station-bj"]).station_id
    code = file(
        client, tokens["staff_520100"], service_code="station.dirty", **{"attribute[station]": station_id}
    )
    assert code in inbox(app, "manager_bj") and code in inbox(app, "staff_520500")
    assert code not in inbox(app, "manager_gy") and code not in inbox(app, "staff_520100")
    manager = app.test_client()
    login(manager, "manager_bj")
    assert change(manager, code, status="acknowledged").status_code == 303
    assert (read(client, code)["status"], read(client, code)["status_notes"]) == ("open", "已受理")
