"""The Runs API over httpx: configuration, pages, the sync and async clients and the tool loop."""
