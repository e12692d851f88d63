"""Google's quotas shared fairly: token buckets per service account and per project, reads and
writes apart, in Redis for every worker (or in memory for one process), and the service
accounts jobs are spread across. See buckets.py for the arithmetic, limiter.py for the API."""

from sheets_sync.quota.accounts import ServiceAccount, assign, load_accounts
from sheets_sync.quota.buckets import Limit, book
from sheets_sync.quota.limiter import Limiter, MemoryLimiter, QuotaBusy, Quotas

__all__ = ["Limit", "Limiter", "MemoryLimiter", "QuotaBusy", "Quotas", "ServiceAccount",
           "assign", "book", "load_accounts"]
