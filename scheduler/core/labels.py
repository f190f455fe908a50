"""Vietnamese labels of the domain's codes (roles, unit kinds, categories, modes, statuses).

Codes stay English in code and in the API; people see these labels, translated by Babel.
"""
from flask_babel import lazy_gettext as _l

LABELS = {
    "role": {
        "staff": _l("Cán bộ văn phòng"),
        "unit_admin": _l("Quản trị đơn vị"),
        "viewer": _l("Lãnh đạo, thanh tra (chỉ xem)"),
        "admin": _l("Quản trị hệ thống"),
    },
    "unit_kind": {
        "city": _l("Thành phố"),
        "department": _l("Sở, ban, ngành"),
        "district": _l("Quận, huyện, thị xã"),
        "ward": _l("Phường, xã, thị trấn"),
    },
    "category": {
        "trien_khai": _l("Họp triển khai nhiệm vụ công tác"),
        "so_ket": _l("Hội nghị sơ kết"),
        "tong_ket": _l("Hội nghị tổng kết"),
        "tap_huan": _l("Tập huấn"),
        "giao_ban": _l("Họp giao ban định kỳ"),
        "lam_viec": _l("Họp nhiều thành phần giải quyết công việc"),
        "khac": _l("Cuộc họp khác"),
    },
    "mode": {
        "in_person": _l("Trực tiếp"),
        "online": _l("Trực tuyến"),
        "hybrid": _l("Trực tiếp kết hợp trực tuyến"),
    },
    "status": {
        "pending": _l("Chờ duyệt"),
        "scheduled": _l("Đã lên lịch"),
        "held": _l("Đã họp"),
        "cancelled": _l("Đã hủy"),
    },
    "protocol": {"sip": "SIP", "h323": "H.323", "webrtc": "WebRTC"},
    "attendance": {
        "present_in_person": _l("Có mặt trực tiếp"),
        "present_online": _l("Tham dự trực tuyến"),
        "absent": _l("Vắng mặt"),
        "not_checked_in": _l("Chưa điểm danh"),
    },
    "choice": {
        "dong_y": _l("Đồng ý"),
        "khong_dong_y": _l("Không đồng ý"),
        "phieu_trang": _l("Phiếu trắng"),
    },
    "vote_status": {"open": _l("Đang biểu quyết"), "closed": _l("Đã kết thúc")},
    "endpoint_state": {
        "reachable": _l("Kết nối được"),
        "unreachable": _l("Mất kết nối"),
        "unknown": _l("Chưa rõ"),
    },
}


def label(code: str | None, kind: str) -> str:
    if code is None:
        return ""
    return str(LABELS.get(kind, {}).get(code, code))


def choices(kind: str) -> list[tuple[str, str]]:
    return [(code, str(text)) for code, text in LABELS[kind].items()]
