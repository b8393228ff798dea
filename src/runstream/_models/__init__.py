"""The wire model: msgspec Structs for runs, run steps, messages and threads, with their deltas.

Nothing here decodes streams or does I/O; `runstream.types` is the public face.
"""
