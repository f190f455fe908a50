"""Locust users for benchmarks/load.py (which starts the server and Locust; run that, not this).

FastHttpUser (geventhttpclient, keep-alive): the lighter client, so that the client is not what
limits the rates (load.py shows it by running hello with one and two Locust processes).

LOAD_PHASE picks what every user does:
  mixed           office staff and provincial administrators at work: week views, the year
                  report, feeds (first read, then 304s), the API's week list, bookings and
                  invitations, each user pausing LOAD_THINK (MIN,MAX seconds)
  hello           GET /hello, a route answering a constant (the server's ceiling on this machine)
  week-fixed      the week view of the busiest ward, this week, for every user (cache hits)
  week-random     the week view of a random busy ward and a random week within a year each
                  way, a new pair on each request (cache misses)
  apiweek-fixed   the API's week list, the same fixed ward and week
  apiweek-random  the API's week list, a random busy ward and week each request
The single-route phases sign in as the national administrator (who sees every ward), so that
fixed and random phases differ only in what they ask for.
LOAD_WARDS: comma-separated "ward:province" codes of wards with a feed (token feed-<code>) and
their province's administrator (qt_<code>), for the mixed phase. LOAD_BUSY: comma-separated
codes of the busiest wards by their count of sittings, busiest first.
"""
import itertools
import os
import random
import re
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlencode

from locust import FastHttpUser, between, task

PHASE = os.environ.get("LOAD_PHASE", "mixed")
WARDS = [pair.split(":") for pair in os.environ.get("LOAD_WARDS", "").split(",") if pair]
BUSY = [code for code in os.environ.get("LOAD_BUSY", "").split(",") if code]
PASSWORD = "matkhau123"
ICT = timezone(timedelta(hours=7))
_users = itertools.count()
_booking_days = itertools.count(1)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class Office(FastHttpUser):
    wait_time = between(*(float(part) for part in os.environ.get("LOAD_THINK", "0,0").split(",")))

    def on_start(self):
        # numbered apart in each Locust process (load.py may run two)
        number = next(_users) + 250 * (os.getpid() % 200)
        self.ward, self.province = WARDS[number % len(WARDS)]
        self.etag = None
        self.meeting_ids = []
        # each user a client of its own behind the proxy (load.py runs the server with
        # PROXY_HOPS=1); every address stays on the loopback range
        self.forwarded = {"X-Forwarded-For": f"127.1.{number // 250 % 250}.{number % 250 + 1}"}
        if PHASE == "hello":
            return
        username = f"qt_{self.province.lower()}" if PHASE == "mixed" else "admin"
        self.sign_in(username)
        self.week = _monday(date.today() + timedelta(days=random.randint(-60, 60)))
        if PHASE != "mixed":
            self.ward, self.week = BUSY[0], _monday(date.today())

    def sign_in(self, username: str) -> None:
        page = self.client.get("/login", name="login page", headers=self.forwarded).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        form = urlencode({"username": username, "password": PASSWORD,
                          "csrf_token": token.group(1) if token else ""})
        self.client.post("/login", name="login", data=form, headers={
            **self.forwarded, "Content-Type": "application/x-www-form-urlencoded"})
        answer = self.client.post("/api/v1/tokens", name="token", headers=self.forwarded,
                                  json={"username": username, "password": PASSWORD})
        # this user also holds the session cookie of the form sign-in, so the API asks its
        # writes for the CSRF token as it asks a browser's (the waiver is for bearer-only clients)
        self.bearer = {**self.forwarded, "Authorization": f"Bearer {answer.json()['token']}",
                       "X-CSRFToken": token.group(1) if token else ""}

    # -- the phases that measure one route -------------------------------------------------
    @task
    def one_route(self):
        if PHASE == "hello":
            self.client.get("/hello", name="hello")
        elif PHASE == "mixed":
            self.mixed()
        else:
            if PHASE.endswith("-random"):
                self.ward = random.choice(BUSY)
                self.week = _monday(date.today() + timedelta(days=random.randint(-365, 365)))
            (self.week_view if PHASE.startswith("week") else self.api_week)()

    def week_view(self):
        self.client.get(f"/meetings/week?unit={self.ward}&date={self.week.isoformat()}",
                        name="week view", headers=self.forwarded)

    def api_week(self):
        end = self.week + timedelta(days=6)
        self.client.get(f"/api/v1/meetings?unit={self.ward}&start={self.week}&end={end}",
                        name="API week list", headers=self.bearer)

    # -- the mixed day ---------------------------------------------------------------------
    def mixed(self):
        roll = random.random()
        if roll < 0.30:
            self.week_view()
        elif roll < 0.50:
            self.api_week()
        elif roll < 0.60:
            self.feed()
        elif roll < 0.66:
            self.client.get(f"/reports?unit={self.province}&period=year", name="report (year)",
                            headers=self.forwarded)
        elif roll < 0.80:
            self.feed()
        elif roll < 0.90:
            self.book()
        else:
            self.invite()

    def feed(self):
        headers = {**self.forwarded, **({"If-None-Match": self.etag} if self.etag else {})}
        with self.client.get(f"/calendar/unit/feed-{self.ward}.ics", headers=headers,
                             name="feed (304)" if self.etag else "feed (200)",
                             catch_response=True) as response:
            if response.status_code in (200, 304):
                self.etag = response.headers.get("ETag") or self.etag
                response.success()

    def book(self):
        """An in-person meeting of the province's office without rooms (nothing to conflict
        with), at noon on a day more than a year ahead (clear of the generated history)."""
        day = date.today() + timedelta(days=400 + next(_booking_days) % 600)
        start = datetime.combine(day, time(12, 0), ICT)
        with self.client.post("/api/v1/meetings", name="booking", headers=self.bearer, json={
                "title": "Họp kiểm thử tải", "category": "lam_viec", "host_unit": self.province,
                "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
                "mode": "in_person", "participants": [], "rooms": []},
                catch_response=True) as response:
            if response.status_code == 201:
                self.meeting_ids.append(response.json()["id"])
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    def invite(self):
        if not self.meeting_ids:
            return self.book()
        self.client.get(f"/api/v1/meetings/{random.choice(self.meeting_ids)}/invite.ics",
                        name="invite.ics", headers=self.bearer)
