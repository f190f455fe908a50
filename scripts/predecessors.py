"""Which former wards and communes formed each of Hà Nội's 2025 units (used by make_hanoi_data.py).

Two packages on the package index describe the reform of 1 July 2025, and neither is trusted on
its own:
- `vietnamadminunits` (1.0.4) carries GSO codes for both lists, the wards merged whole into one new
  unit (DICT_PROVINCE_WARD_NO_DIVIDED) and those divided between several
  (DICT_PROVINCE_WARD_DIVIDED): the pairs written come from it, as "whole" or "part";
- `vietnam-address-converter` (1.0.5) maps each old address to one new unit by name (its codes
  are not the GSO's): every pair it names is checked against the first package.

The run prints where they disagree; at the last regeneration they agreed on 662 pairs, the second
package named 5 pairs the first did not (Thịnh Quang, Cổ Bi, Đặng Xá, Kiêu Kỵ, Xã Mê Linh: it
keeps one destination per old unit where Resolution 1656/NQ-UBTVQH15 divides or places it
differently) and those are left out.
"""
import ast
import csv
import json
import sqlite3
import tempfile
import unicodedata
import zipfile
from pathlib import Path

CITY_KEY = "thanhphohanoi"
VAU_DB = "vietnamadminunits/data/dataset.db"
VAU_CONVERTER = "vietnamadminunits/data/converter_2025.json"
VAC_DATA = "vietnam_address_converter/data.py"
COLUMNS = ("successor", "successor_name", "predecessor", "predecessor_name", "share")


def _key(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in text if ch.isalnum())


def _vau_tables(wheel: str):
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dataset.db"
        path.write_bytes(archive.read(VAU_DB))
        converter = json.loads(archive.read(VAU_CONVERTER))
        db = sqlite3.connect(path)
        legacy = {f"{CITY_KEY}_{d}_{w}": code for d, w, code in db.execute(
            "SELECT districtKey, wardKey, wardCode FROM admin_units_legacy WHERE provinceCode='01'")}
        new = {key: (code, name) for key, code, name in db.execute(
            "SELECT wardKey, wardCode, ward FROM admin_units WHERE provinceCode='01'")}
        db.close()
    return legacy, new, converter


def official_codes(wheel_vau: str) -> dict[str, str]:
    """Name -> GSO code of the 126 units of 2025."""
    _legacy, new, _converter = _vau_tables(wheel_vau)
    return {name: code for code, name in new.values()}


def _vau_pairs(wheel: str) -> dict[tuple[str, str], str]:
    legacy, new, converter = _vau_tables(wheel)
    pairs = {}
    for new_key, olds in converter["DICT_PROVINCE_WARD_NO_DIVIDED"][CITY_KEY].items():
        for old_key in olds:
            pairs[(new[new_key][0], legacy[old_key])] = "whole"
    for old_key, pieces in converter["DICT_PROVINCE_WARD_DIVIDED"].get(CITY_KEY, {}).items():
        for piece in pieces:
            pairs.setdefault((new[piece["newWardKey"]][0], legacy[old_key]), "part")
    return pairs


def _vac_pairs(wheel: str, old_rows: list[dict], new_rows: list[dict]) -> set[tuple[str, str]]:
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read(VAC_DATA).decode("utf-8")
    # the data is one JSON string literal handed to json.loads: read it without running the module
    literal = next(node.args[0].value for node in ast.walk(ast.parse(source))
                   if isinstance(node, ast.Call) and node.args
                   and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))
    rows = json.loads(literal)["mapping"]["rows"]
    districts = {r["code"]: r["name"] for r in old_rows if r["kind"] == "district"}
    old = {(_key(districts[r["parent"]]), _key(r["name"])): r["code"]
           for r in old_rows if r["kind"] == "ward"}
    new = {_key(r["name"]): r["code"] for r in new_rows if r["valid_from"]}
    pairs = set()
    for row in rows:
        if row["keys"]["old_province_name"] != "ha noi":
            continue
        before = (_key(row["old"]["district_name"]), _key(row["old"]["ward_name"]))
        after = _key(row["new"]["ward_name"])
        if before not in old or after not in new:
            raise SystemExit(f"vietnam-address-converter names an unknown unit: {row}")
        pairs.add((new[after], old[before]))
    return pairs


def predecessor_rows(wheel_vau: str, wheel_vac: str, old_rows: list[dict],
                     new_rows: list[dict]) -> list[dict]:
    names_old = {r["code"]: r["name"] for r in old_rows if r["kind"] == "ward"}
    names_new = {r["code"]: r["name"] for r in new_rows if r["valid_from"]}
    pairs = _vau_pairs(wheel_vau)
    checked = _vac_pairs(wheel_vac, old_rows, new_rows)
    missing_new = set(names_new) - {s for s, _p in pairs}
    missing_old = set(names_old) - {p for _s, p in pairs}
    if missing_new or missing_old:
        raise SystemExit(f"units without a match: {sorted(missing_new)} {sorted(missing_old)}")
    print(f"predecessor pairs: {len(pairs)} (vietnamadminunits), {len(checked & set(pairs))} "
          "confirmed by vietnam-address-converter; named only by vietnam-address-converter:")
    for successor, predecessor in sorted(checked - set(pairs)):
        print(f"  {names_old[predecessor]} -> {names_new[successor]} (left out)")
    order = {r["code"]: i for i, r in enumerate(new_rows)}
    return [{"successor": s, "successor_name": names_new[s], "predecessor": p,
             "predecessor_name": names_old[p], "share": share}
            for (s, p), share in sorted(pairs.items(), key=lambda item: (order[item[0][0]], item[0][1]))]


def write_predecessors(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{path}: {len(rows)} rows")
