"""The audit log, recorded: every write of the application calls `services.record`, in the
transaction of the change. Below every domain package, so all of them may record; reading the
log (presenting entries with the names of units and rooms, searching, the audit page) is
audit_trail/, above the packages it names."""
