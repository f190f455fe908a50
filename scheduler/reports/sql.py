"""The reports' SQL helpers now live in core/sql.py, below every domain package (the endpoints'
history reads them too). Kept for reports/counting.py, which imports `.sql` and is being changed
by another branch; import from `..core.sql` instead."""
from ..core.sql import child_id_under  # noqa: F401
