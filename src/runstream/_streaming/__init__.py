"""Adapters that put the core on real sources: bytes, files, iterables and httpx responses.

The sync and async streams are thin over `stream_base`, which holds every rule they share;
handlers route the core's notifications to ``on_*`` callbacks; recording writes and replays
``.sse`` files.
"""
