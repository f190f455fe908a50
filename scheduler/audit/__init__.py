"""The audit log, recorded: every write of the application calls `services.record` in its own
transaction. Below every domain package, so all of them may record; reading the log (its page,
search and presentation, which name units, rooms and meetings) is audit_trail/, above them."""
