"""The crowd of benchmarks/stress.py: what each simulated user does against the running server,
and the paperless meetings (documents, a vote) it sets up through the API before the crowd
starts. Every request is counted by (kind, status) in a shared Counter; status 0 is a request
that got no answer at all (connection refused or reset, or a 60 s timeout).
"""
import http.cookiejar
import json
import random
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta

PASSWORD = "Matkhau-stress-2026"
STAFF = 8          # wards 00001..00008, one staff user each: staff0..staff7
PAPERLESS_HOSTS = 4  # staff0..staff3 each host one paperless meeting with every ward invited
VIEWERS = 2        # viewer0, viewer1: the city's report readers
CITY = "01"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def feed_token(code: str) -> str:
    """The unit's calendar-feed token (prepare() stores its hash)."""
    return f"stress-feed-{code}"


def ward(index: int) -> str:
    return f"{index % STAFF + 1:05d}"


class _Unredirected(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to count (a page sending us to /login, say)


class Http:
    """urllib with a cookie jar (pages: the session) or without one (the API: a bearer token
    and no cookie, so the CSRF waiver applies). Redirects are not followed."""

    # a 503 must tell the client when to try again
    unavailable_without_retry_after = 0
    lock = threading.Lock()

    def __init__(self, base: str, cookies: bool = False):
        self.base = base
        handlers = [urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())] if cookies else []
        self.opener = urllib.request.build_opener(_Unredirected, *handlers)

    def call(self, method, path, body=None, token=None, form=None, files=None, headers=None):
        headers, data = dict(headers or {}), None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if files is not None:
            data, headers["Content-Type"] = multipart(files)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as err:
            with err:
                if err.code == 503 and not err.headers.get("Retry-After"):
                    with Http.lock:
                        Http.unavailable_without_retry_after += 1
                return err.code, err.read(), err.headers
        except OSError:
            return 0, b"", {}


def multipart(files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for field, (name, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                     f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                     + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def api_token(base: str, username: str) -> str | None:
    status, body, _ = Http(base).call("POST", "/api/v1/tokens",
                                      {"username": username, "password": PASSWORD})
    return json.loads(body)["token"] if status == 201 else None


def form_sign_in(http: Http, username: str, password: str) -> int:
    """The sign-in form as a browser sends it: the page first (session and CSRF token)."""
    status, page, _ = http.call("GET", "/login")
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page) if status == 200 else None
    if found is None:
        return status or 0
    status, _, _ = http.call("POST", "/login", form={
        "csrf_token": found.group(1).decode(), "username": username, "password": password})
    return status


class Paperless:
    """The paperless meetings, their documents and their votes, shared by the crowd."""

    def __init__(self):
        self.meetings: list[dict] = []  # {"id", "host": index, "documents": [ids], "votes": [ids]}
        self.lock = threading.Lock()

    def add_vote(self, meeting: dict, vote_id: int) -> None:
        with self.lock:
            meeting["votes"].append(vote_id)

    def recent_vote(self, rnd: random.Random) -> int | None:
        with self.lock:
            meeting = rnd.choice(self.meetings)
            return rnd.choice(meeting["votes"][-3:]) if meeting["votes"] else None


def set_up_paperless(base: str, day0, results) -> Paperless:
    """Each of the first PAPERLESS_HOSTS wards books a paperless meeting with every ward
    invited, uploads a PDF and a Word document to it and opens a vote, through the API."""
    shared = Paperless()
    http = Http(base)
    for host in range(PAPERLESS_HOSTS):
        token = api_token(base, f"staff{host}")
        day = day0 + timedelta(days=2 + host)
        status, body, _ = http.call("POST", "/api/v1/meetings", {
            "title": f"Họp không giấy tờ {host + 1}", "category": "giao_ban",
            "host_unit": ward(host), "start": f"{day.isoformat()}T07:00:00+07:00",
            "end": f"{day.isoformat()}T07:45:00+07:00", "mode": "in_person", "paperless": True,
            "participants": [ward(i) for i in range(STAFF) if i != host]}, token=token)
        results[("setup: paperless meeting", status)] += 1
        if status != 201:
            continue
        meeting = {"id": json.loads(body)["id"], "host": host, "documents": [], "votes": []}
        for name, content in (("bao-cao.pdf", PDF_BYTES), ("du-thao.docx", word_document())):
            status, body, _ = http.call("POST", f"/api/v1/meetings/{meeting['id']}/documents",
                                        token=token, files={"file": (name, content)})
            results[("setup: document upload", status)] += 1
            if status == 201:
                meeting["documents"].append(json.loads(body)["id"])
        status, body, _ = http.call("POST", f"/api/v1/meetings/{meeting['id']}/votes",
                                    {"question": "Thông qua kế hoạch"}, token=token)
        results[("setup: vote", status)] += 1
        if status == 201:
            meeting["votes"].append(json.loads(body)["id"])
        shared.meetings.append(meeting)
    return shared


def word_document() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types><Override PartName="/word/document.xml" '
                         'ContentType="application/vnd.openxmlformats-officedocument.'
                         'wordprocessingml.document.main+xml"/></Types>')
        package.writestr("word/document.xml", "<doc/>")
    return buffer.getvalue()


def twice_at_once(call) -> list[int]:
    """The same request sent twice at the same moment, as a double click or a retrying client
    does: the race on a unique row (one attendance per unit, one ballot per person)."""
    statuses = [0, 0]

    def one(i):
        statuses[i] = call()[0]
    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


class Member:
    """One simulated user: a ward's staff (API token and a signed-in browser session) who also
    reads the city's reports as viewer{index % VIEWERS}."""

    def __init__(self, base, index, results, day0, paperless: Paperless):
        self.base, self.index, self.results, self.day0 = base, index, results, day0
        self.paperless = paperless
        self.rnd = random.Random(index)
        self.username, self.unit = f"staff{index % STAFF}", ward(index)
        self.api, self.browser, self.reader = Http(base), Http(base, True), Http(base, True)
        self.token = api_token(base, self.username)
        self.viewer_token = api_token(base, f"viewer{index % VIEWERS}")
        self.count("sign-in: form, right", form_sign_in(self.browser, self.username, PASSWORD))
        self.count("sign-in: form, right", form_sign_in(self.reader, f"viewer{index % VIEWERS}", PASSWORD))
        self.mine: list[int] = []
        self.etags: dict[str, str] = {}

    def count(self, kind: str, status: int) -> None:
        self.results[(kind, status)] += 1

    def run(self, stop: threading.Event) -> None:
        actions = [(0.06, self.wrong_token), (0.03, self.form_sign_ins), (0.16, self.book),
                   (0.10, self.edit), (0.05, self.cancel), (0.10, self.feed), (0.08, self.week),
                   (0.05, self.month), (0.02, self.report_page), (0.02, self.report_api),
                   (0.02, self.report_csv), (0.12, self.download), (0.08, self.attendance),
                   (0.01, self.open_vote), (0.10, self.ballot)]
        weights = [w for w, _ in actions]
        while not stop.is_set():
            self.rnd.choices([a for _, a in actions], weights)[0]()

    def some_day(self):
        return self.day0 + timedelta(days=self.rnd.randrange(1, 60))

    # sign-ins, bookings, edits and cancels
    def wrong_token(self):
        status, _, _ = self.api.call("POST", "/api/v1/tokens", {
            "username": self.rnd.choice([self.username, "khong-co"]), "password": "sai"})
        self.count("sign-in: API, wrong", status)

    def form_sign_ins(self):
        right = self.rnd.random() < 0.5
        status = form_sign_in(Http(self.base, True), self.username, PASSWORD if right else "sai")
        self.count(f"sign-in: form, {'right' if right else 'wrong'}", status)

    def book(self):
        day, hour = self.some_day(), self.rnd.choice([8, 10, 14, 16])
        status, body, _ = self.api.call("POST", "/api/v1/meetings", {
            "title": f"Họp thử {self.index}", "category": "giao_ban", "host_unit": self.unit,
            "start": f"{day.isoformat()}T{hour:02d}:00:00+07:00",
            "end": f"{day.isoformat()}T{hour + 1:02d}:00:00+07:00",
            "mode": self.rnd.choice(["in_person", "online"]),
            "participants": [ward(self.rnd.randrange(STAFF))]}, token=self.token)
        self.count("booking", status)
        if status == 201:
            self.mine.append(json.loads(body)["id"])

    def edit(self):
        if not self.mine:
            return self.book()
        day = self.some_day()
        status, _, _ = self.api.call("PATCH", f"/api/v1/meetings/{self.rnd.choice(self.mine)}", {
            "start": f"{day.isoformat()}T15:00:00+07:00", "end": f"{day.isoformat()}T15:45:00+07:00",
            "title": f"Họp thử {self.index} (dời)"}, token=self.token)
        self.count("edit", status)

    def cancel(self):
        if not self.mine:
            return self.book()
        meeting = self.mine.pop(self.rnd.randrange(len(self.mine)))
        status, _, _ = self.api.call("POST", f"/api/v1/meetings/{meeting}/cancel",
                                     {"reason": "thử tải"}, token=self.token)
        self.count("cancel", status)

    # multi-query reads: feeds, calendar pages, reports
    def feed(self):
        code = self.rnd.choice([CITY] + [ward(i) for i in range(STAFF)])
        path = f"/calendar/unit/{feed_token(code)}.ics"
        # half of the readers hold an earlier copy and ask whether it changed
        headers = {"If-None-Match": self.etags[path]} if path in self.etags and self.rnd.random() < 0.5 else {}
        status, _, answer = self.api.call("GET", path, headers=headers)
        if status == 200 and answer.get("ETag"):
            self.etags[path] = answer["ETag"]
        self.count("unit feed", status)

    def week(self):
        status, _, _ = self.browser.call(
            "GET", f"/meetings/week?unit={self.unit}&date={self.some_day().isoformat()}")
        self.count("week page", status)

    def month(self):
        status, _, _ = self.browser.call(
            "GET", f"/meetings/month?unit={self.unit}&date={self.some_day().isoformat()}")
        self.count("month page", status)

    def report_args(self) -> str:
        return f"unit={self.rnd.choice([CITY, self.unit])}&period=year&year={self.day0.year}"

    def report_page(self):
        self.count("report page", self.reader.call("GET", f"/reports?{self.report_args()}")[0])

    def report_api(self):
        self.count("report API", self.api.call("GET", f"/api/v1/reports/targets?{self.report_args()}",
                                               token=self.viewer_token)[0])

    def report_csv(self):
        self.count("report CSV", self.reader.call("GET", f"/reports/export.csv?{self.report_args()}")[0])

    # paperless: documents, attendance, votes
    def a_paperless_meeting(self) -> dict | None:
        return self.rnd.choice(self.paperless.meetings) if self.paperless.meetings else None

    def download(self):
        meeting = self.a_paperless_meeting()
        if meeting and meeting["documents"]:
            document = self.rnd.choice(meeting["documents"])
            self.count("document download", self.api.call(
                "GET", f"/api/v1/documents/{document}", token=self.token)[0])

    def attendance(self):
        meeting = self.a_paperless_meeting()
        if meeting is None:
            return
        # the host checks in any invited ward, a ward checks in itself
        hosting = meeting["host"] == self.index % STAFF
        unit = ward(self.rnd.randrange(STAFF)) if hosting else self.unit
        body = self.rnd.choice([{"status": "present_online", "person": "Chủ tịch UBND phường"},
                                {"status": "present_in_person", "person": "Phó Chủ tịch",
                                 "substitute": "Văn phòng"},
                                {"status": "absent", "reason": "Trùng lịch tiếp dân"}])
        for status in twice_at_once(lambda: self.api.call(
                "PUT", f"/api/v1/meetings/{meeting['id']}/attendance/{unit}", body, token=self.token)):
            self.count("attendance", status)

    def open_vote(self):
        hosted = [m for m in self.paperless.meetings if m["host"] == self.index % STAFF]
        if not hosted:
            return self.ballot()
        status, body, _ = self.api.call("POST", f"/api/v1/meetings/{hosted[0]['id']}/votes",
                                        {"question": f"Biểu quyết {self.rnd.randrange(10**6)}"},
                                        token=self.token)
        self.count("vote opened", status)
        if status == 201:
            self.paperless.add_vote(hosted[0], json.loads(body)["id"])

    def ballot(self):
        vote = self.paperless.recent_vote(self.rnd)
        if vote is None:
            return
        choice = self.rnd.choice(["dong_y", "khong_dong_y", "phieu_trang"])
        for status in twice_at_once(lambda: self.api.call(
                "POST", f"/api/v1/votes/{vote}/ballots", {"choice": choice}, token=self.token)):
            self.count("ballot", status)
