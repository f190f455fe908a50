"""Take the README's screenshots (docs/screenshots/*.png) of the seeded demo in Debian's Chromium.

    .venv/bin/python scripts/screenshots.py

Builds a throwaway SQLite database with the demo data, serves the app on a free loopback port
and signs in as a ward's office staff (vanphong.phucxa).
"""
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler import create_app  # noqa: E402
from scheduler.demo.seed import DEMO_PASSWORD, seed_demo  # noqa: E402
from scheduler.extensions import db  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def build_app(workdir: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/demo.db", "SECRET_KEY": "shots",
                      "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False})
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
    return app


def shoot(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 760}, locale="vi-VN")
        page.goto(base + "/login")
        page.screenshot(path=OUT / "login.png")
        page.get_by_label("Tên đăng nhập").fill("vanphong.phucxa")
        page.get_by_label("Mật khẩu", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(base + "/")
        page.screenshot(path=OUT / "home.png")
        page.goto(base + "/units")
        page.screenshot(path=OUT / "units.png")
        page.goto(base + "/meetings/week")
        page.screenshot(path=OUT / "week.png")
        page.goto(base + "/meetings/new")
        page.screenshot(path=OUT / "booking.png")
        page.goto(base + "/meetings/schedule")
        page.screenshot(path=OUT / "schedule.png")
        page.get_by_role("button", name="Đăng xuất").click()
        # the administrator's view: targets and ward coverage for the whole city
        page.goto(base + "/login")
        page.get_by_label("Tên đăng nhập").fill("admin")
        page.get_by_label("Mật khẩu", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(base + "/")
        page.goto(base + "/reports")
        page.screenshot(path=OUT / "reports.png")
        page.goto(base + "/reports/coverage")
        page.screenshot(path=OUT / "coverage.png")
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        app = build_app(workdir)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            shoot(f"http://127.0.0.1:{server.server_port}")
        finally:
            server.shutdown()
            server.server_close()
            with app.app_context():
                db.engine.dispose()
    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
