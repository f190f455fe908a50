"""Outgoing e-mail through a database outbox.

`enqueue_mail` adds a message to the caller's transaction; the background runner's
`send-mail` job calls `deliver_pending(now)`, which sends over SMTP, retries failures with a
growing delay, and keeps the last error where the booker can see it. Nothing is lost silently
and a slow or refusing mail server never blocks a booking.
"""
