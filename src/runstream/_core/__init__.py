"""The sans-IO core: bytes in, typed events and notifications out.

The SSE decoder, event decoding, the accumulator and its builders, merging, verification, the
routing of notifications to callbacks and the parsing of pending tool calls. No module here
imports an I/O library (httpx, anyio, sockets, threads, files): ``tests/test_architecture.py``
proves it, so the core runs unchanged under any transport.
"""
