"""Words the demo data is made of: meeting titles per category, agendas, chairs, rooms.

Titles are what Hà Nội offices actually write on their weekly schedules; `{unit}` is the short
name of the host ("quận Ba Đình", "Sở Y tế"), `{year}`/`{month}`/`{quarter}` the meeting's date.
"""
TOPICS = [
    "chuyển đổi số", "cải cách hành chính", "Đề án 06 về dữ liệu dân cư", "thu ngân sách",
    "phòng cháy, chữa cháy", "bảo đảm trật tự an toàn giao thông", "phòng, chống thiên tai",
    "giải phóng mặt bằng", "xây dựng nông thôn mới", "vệ sinh an toàn thực phẩm",
    "phòng, chống dịch bệnh", "quản lý trật tự xây dựng", "an sinh xã hội",
    "dịch vụ công trực tuyến toàn trình", "bảo vệ môi trường", "tuyển sinh đầu cấp",
]

TITLES = {
    "trien_khai": [
        "Hội nghị triển khai nhiệm vụ {topic} năm {year}",
        "Họp triển khai kế hoạch {topic} của {unit}",
        "Hội nghị triển khai Nghị quyết của HĐND Thành phố về {topic}",
        "Triển khai nhiệm vụ trọng tâm tháng {month}/{year}",
    ],
    "so_ket": [
        "Hội nghị sơ kết công tác {period} năm {year}",
        "Hội nghị sơ kết {period} năm {year} của {unit}",
        "Sơ kết {period} năm {year} thực hiện kế hoạch {topic}",
    ],
    "tong_ket": [
        "Hội nghị tổng kết công tác năm {year}, triển khai nhiệm vụ năm {next_year}",
        "Tổng kết công tác {topic} năm {year}",
        "Hội nghị tổng kết phong trào thi đua năm {year} của {unit}",
    ],
    "tap_huan": [
        "Tập huấn sử dụng hệ thống họp trực tuyến",
        "Tập huấn nghiệp vụ văn thư, lưu trữ",
        "Tập huấn phần mềm quản lý văn bản và điều hành",
        "Tập huấn kỹ năng bảo đảm an toàn thông tin",
        "Tập huấn nghiệp vụ {topic}",
        "Tập huấn sử dụng phòng họp không giấy tờ",
    ],
    "giao_ban": [
        "Giao ban tháng {month}/{year} của {unit}",
        "Họp giao ban công tác quý {quarter}/{year}",
        "Giao ban khối nội chính tháng {month}",
        "Giao ban công tác {topic}",
    ],
    "lam_viec": [
        "Họp giải quyết vướng mắc về {topic}",
        "Làm việc với các đơn vị về {topic}",
        "Họp liên ngành xử lý kiến nghị của cử tri về {topic}",
        "Họp thẩm định hồ sơ {topic}",
        "Họp cho ý kiến dự thảo kế hoạch {topic}",
    ],
    "khac": [
        "Họp Hội đồng thi đua, khen thưởng {unit}",
        "Họp Ban chỉ đạo {topic}",
        "Gặp mặt, đối thoại với doanh nghiệp",
        "Họp chuẩn bị kỳ họp HĐND",
        "Tiếp công dân định kỳ",
    ],
}

# what a review (sơ kết) held in a month looks back on
REVIEW_PERIODS = {3: "quý I", 4: "quý I", 6: "6 tháng đầu", 7: "6 tháng đầu",
                  9: "9 tháng", 10: "9 tháng"}

AGENDA = {
    "trien_khai": "1. Quán triệt văn bản chỉ đạo\n2. Phân công nhiệm vụ\n3. Thảo luận\n4. Kết luận",
    "so_ket": "1. Báo cáo kết quả thực hiện\n2. Ý kiến của các đơn vị\n3. Phương hướng thời gian tới\n4. Kết luận",
    "tong_ket": "1. Báo cáo tổng kết\n2. Tham luận\n3. Khen thưởng\n4. Phát biểu chỉ đạo",
    "tap_huan": "1. Giới thiệu nội dung\n2. Hướng dẫn thực hành\n3. Giải đáp vướng mắc",
    "giao_ban": "1. Báo cáo kết quả tuần/tháng\n2. Nhiệm vụ thời gian tới\n3. Kết luận của chủ trì",
    "lam_viec": "1. Báo cáo của đơn vị chủ trì\n2. Ý kiến các đơn vị\n3. Kết luận",
    "khac": "1. Nội dung chính\n2. Kết luận",
}

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Quang", "Thu", "Ngọc", "Mạnh", "Thanh"]
GIVEN = ["Anh", "Hùng", "Tuấn", "Dũng", "Hương", "Lan", "Hà", "Phương", "Nam", "Hải", "Sơn",
         "Thảo", "Cường", "Linh", "Khánh", "Trang"]

DEPARTMENT_ROOMS = [("Phòng họp trực tuyến", 40, True, True), ("Hội trường", 150, False, True),
                    ("Phòng họp tầng 3", 25, False, False)]
DISTRICT_ROOMS = [("Phòng họp trực tuyến UBND", 50, True, True), ("Hội trường UBND", 200, False, True),
                  ("Phòng họp số 2", 20, False, False)]
CITY_ROOMS = [("Phòng họp trực tuyến, 79 Đinh Tiên Hoàng", 80, True, True, False),
              ("Hội trường lớn, 18B Lê Thánh Tông", 300, False, True, False),
              ("Phòng Khánh tiết, 79 Đinh Tiên Hoàng", 30, True, False, True)]


def short_name(unit) -> str:
    """'Quận Ba Đình' -> 'quận Ba Đình', as the name reads inside a sentence."""
    first, _, rest = unit.name.partition(" ")
    if unit.kind in ("district", "ward") and rest:
        return f"{first.lower()} {rest}"
    return unit.name


def chair_title(unit, deputy: bool) -> str:
    vice = "Phó " if deputy else ""
    if unit.kind == "department":
        head = "Giám đốc" if unit.name.startswith(("Sở", "Công an")) else "Lãnh đạo"
        return f"{vice}{head} {unit.name}" if head == "Giám đốc" else f"{head} {unit.name}"
    if unit.kind == "city":
        return f"{vice}Chủ tịch UBND Thành phố"
    return f"{vice}Chủ tịch UBND {short_name(unit)}"
