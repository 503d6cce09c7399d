"""Talking to AWS: sessions, paging, the organization job and the account jobs. Knows nothing of the store."""
