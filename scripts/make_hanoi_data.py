"""Generate the Hà Nội unit files shipped in scheduler/units/data/ (run once; the CSVs are committed).

The administrative divisions come from the PyPI package `vietnam-provinces`, which republishes
the statistics office's (GSO) lists. It is a build-time source only: the application reads the
generated CSVs and never imports the package.

    pip download --no-deps vietnam-provinces==0.6.0 -d /tmp/vp06
    pip download --no-deps vietnam-provinces==2025.10.1 -d /tmp/vp25
    pip download --no-deps vietnamadminunits==1.0.4 vietnam-address-converter==1.0.5 -d /tmp/vau
    python scripts/make_hanoi_data.py /tmp/vp06/vietnam_provinces-0.6.0-py3-none-any.whl \\
        /tmp/vp25/vietnam_provinces-2025.10.1-py3-none-any.whl \\
        /tmp/vau/vietnamadminunits-1.0.4-py3-none-any.whl \\
        /tmp/vau/vietnam_address_converter-1.0.5-py3-none-any.whl

Writes:
- hanoi_2024.csv: the three-level tree before 1 July 2025 — the city, its departments (readable
  codes such as 01-STTTT), the 30 districts (3-digit GSO codes) and their 526 wards (5-digit),
  with office mailboxes and technical contacts.
- hanoi_2025.csv: the reform of 1 July 2025 for `flask import-units` — the 126 communes and wards
  straight under the city (valid from 2025-07-01; some reuse an old ward's code) and rows closing
  the 30 districts and 526 old wards on 2025-06-30.

- hanoi_2025_predecessors.csv: which former wards and communes formed each 2025 unit (see
  predecessors.py beside this script).

The 2025 codes: vietnam-provinces 2025.10.1 and vietnamadminunits 1.0.4 agree on the 126 names
but give 27 of them different codes; the statistics office's list (letter 1027/CTK-CSCL of
25 June 2025, Hà Nội's page: 00070 Phường Hoàn Kiếm, 00082 Phường Cửa Nam, 00229 Phường Kim
Liên, 00331 Phường Hoàng Mai…) agrees with vietnamadminunits, so its codes are the ones written.

Contacts are invented but plausible and deterministic (a fixed random seed), so re-running the
script reproduces the same files byte for byte.
"""
import csv
import json
import random
import sys
import unicodedata
import zipfile
from pathlib import Path

DATA_FILE = "vietnam_provinces/data/nested-divisions.json"
OUT_DIR = Path(__file__).resolve().parent.parent / "scheduler" / "units" / "data"
COLUMNS = ("code", "name", "kind", "parent", "valid_from", "valid_to",
           "email", "phone", "tech_name", "tech_phone", "tech_email")
DOMAIN = "hanoi.gov.vn"
CITY = "01"
REFORM_DAY, LAST_OLD_DAY = "2025-07-01", "2025-06-30"

# (code suffix, name): the city's departments and agencies as of 2024.
DEPARTMENTS = [
    ("VPUB", "Văn phòng Ủy ban nhân dân Thành phố"),
    ("SNV", "Sở Nội vụ"),
    ("STC", "Sở Tài chính"),
    ("SKHDT", "Sở Kế hoạch và Đầu tư"),
    ("STTTT", "Sở Thông tin và Truyền thông"),
    ("SYT", "Sở Y tế"),
    ("SGDDT", "Sở Giáo dục và Đào tạo"),
    ("SXD", "Sở Xây dựng"),
    ("SGTVT", "Sở Giao thông vận tải"),
    ("STP", "Sở Tư pháp"),
    ("STNMT", "Sở Tài nguyên và Môi trường"),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("SCT", "Sở Công Thương"),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội"),
    ("SVHTT", "Sở Văn hóa và Thể thao"),
    ("SDL", "Sở Du lịch"),
    ("SKHCN", "Sở Khoa học và Công nghệ"),
    ("SQHKT", "Sở Quy hoạch - Kiến trúc"),
    ("TTR", "Thanh tra Thành phố"),
    ("CATP", "Công an Thành phố"),
    ("BQLKCN", "Ban Quản lý các khu công nghiệp và chế xuất"),
]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Mạnh", "Tiến", "Hữu", "Ngọc"]
MIDDLE_F = ["Thị", "Thu", "Thanh", "Minh", "Ngọc", "Hồng"]
GIVEN_M = ["Anh", "Hùng", "Tuấn", "Dũng", "Nam", "Hải", "Long", "Sơn", "Thắng", "Cường", "Hiếu", "Khánh"]
GIVEN_F = ["Hương", "Lan", "Hà", "Phương", "Thảo", "Linh", "Trang", "Huyền", "Mai", "Yến", "Nga"]
KIND_PREFIXES = ("Thành phố ", "Quận ", "Huyện ", "Thị xã ", "Phường ", "Xã ", "Thị trấn ")


def ascii_slug(text: str) -> str:
    """'Phường Phúc Xá' -> 'phucxa': the name without its kind, diacritics, spaces or punctuation."""
    for prefix in KIND_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    text = text.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


def load_city(wheel: str) -> dict:
    with zipfile.ZipFile(wheel) as archive:
        provinces = json.loads(archive.read(DATA_FILE))
    return next(p for p in provinces if p["code"] == 1)


class Contacts:
    """Unique office mailboxes and technicians, reproducible from one seed."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.used: set[str] = set()

    def mailbox(self, *candidates: str) -> str:
        for local in candidates:
            if local not in self.used:
                self.used.add(local)
                return local
        raise ValueError(f"no free mailbox among {candidates}")

    def phone(self) -> str:
        digits = f"3{self.random.randint(0, 9_999_999):07d}"  # Hà Nội landlines: 024 3xxx xxxx
        return f"024 {digits[:4]} {digits[4:]}"

    def person(self) -> str:
        if self.random.random() < 0.6:
            parts = (FAMILY, MIDDLE_M, GIVEN_M)
        else:
            parts = (FAMILY, MIDDLE_F, GIVEN_F)
        return " ".join(self.random.choice(p) for p in parts)

    def row(self, code, name, kind, parent, office_local, tech_local) -> dict:
        return {"code": code, "name": name, "kind": kind, "parent": parent or "",
                "valid_from": "", "valid_to": "",
                "email": f"{office_local}@{DOMAIN}", "phone": self.phone(),
                "tech_name": self.person(), "tech_phone": self.phone(),
                "tech_email": f"{tech_local}@{DOMAIN}"}


def rows_2024(city: dict) -> list[dict]:
    contacts = Contacts(seed=2024)
    rows = [contacts.row(CITY, "Thành phố Hà Nội", "city", None,
                         contacts.mailbox("vanphong.ubnd"), contacts.mailbox("kythuat.ubnd"))]
    for suffix, name in DEPARTMENTS:
        slug = suffix.lower()
        rows.append(contacts.row(f"{CITY}-{suffix}", name, "department", CITY,
                                 contacts.mailbox(slug), contacts.mailbox(f"kythuat.{slug}")))
    for district in city["districts"]:
        slug = ascii_slug(district["name"])
        rows.append(contacts.row(f"{district['code']:03d}", district["name"], "district", CITY,
                                 contacts.mailbox(f"ubnd.{slug}"), contacts.mailbox(f"kythuat.{slug}")))
    for district in city["districts"]:
        dslug = ascii_slug(district["name"])
        for ward in district["wards"]:
            slug = ascii_slug(ward["name"])
            # several districts have a ward of the same name: the district tells them apart
            office = contacts.mailbox(f"vanphong.{slug}", f"vanphong.{slug}.{dslug}")
            tech = contacts.mailbox(f"kythuat.{slug}", f"kythuat.{slug}.{dslug}")
            rows.append(contacts.row(f"{ward['code']:05d}", ward["name"], "ward",
                                     f"{district['code']:03d}", office, tech))
    return rows


def rows_2025(city_2025: dict, old_rows: list[dict], official: dict[str, str]) -> list[dict]:
    """`official`: name -> GSO code of the 2025 units (vietnamadminunits, see above)."""
    contacts = Contacts(seed=2025)
    rows = []
    for ward in city_2025["wards"]:
        slug = ascii_slug(ward["name"])
        kind_tag = "phuong" if ward["name"].startswith("Phường") else "xa"
        code = official[ward["name"]]
        if code != f"{ward['code']:05d}":
            print(f"  {ward['name']}: {code} (vietnam-provinces says {ward['code']:05d})")
        row = contacts.row(code, ward["name"], "ward", CITY,
                           contacts.mailbox(f"ubnd.{kind_tag}{slug}"),
                           contacts.mailbox(f"kythuat.{kind_tag}{slug}"))
        row["valid_from"] = REFORM_DAY
        rows.append(row)
    # the old districts and wards end the day before: name, kind and parent repeated so the
    # file reads on its own
    for old in old_rows:
        if old["kind"] in ("district", "ward"):
            rows.append({**{c: "" for c in COLUMNS}, "code": old["code"], "name": old["name"],
                         "kind": old["kind"], "parent": old["parent"], "valid_to": LAST_OLD_DAY})
    return rows


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{path}: {len(rows)} rows")


def main(wheel_2024: str, wheel_2025: str, wheel_vau: str, wheel_vac: str) -> None:
    from predecessors import official_codes, predecessor_rows, write_predecessors

    old = rows_2024(load_city(wheel_2024))
    print("2025 codes taken from vietnamadminunits where the sources differ:")
    new = rows_2025(load_city(wheel_2025), old, official_codes(wheel_vau))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    write(OUT_DIR / "hanoi_2024.csv", old)
    write(OUT_DIR / "hanoi_2025.csv", new)
    write_predecessors(OUT_DIR / "hanoi_2025_predecessors.csv",
                       predecessor_rows(wheel_vau, wheel_vac, old, new))


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
