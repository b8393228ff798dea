"""runstream: typed, fast accumulation of Assistants-style run streams.

The core is sans-IO: `SSEDecoder` turns bytes into `ServerSentEvent`s, `EventDecoder` turns
those into typed events, and `Accumulator` merges the events into `Run`, `RunStep` and
`Message` snapshots. `RunStream` / `AsyncRunStream` put that core on bytes, files,
iterables and httpx responses, and call an `EventHandler`'s ``on_*`` callbacks.
"""

from ._accumulator import *  # noqa: F403
from ._async_client import *  # noqa: F403
from ._async_streams import *  # noqa: F403
from ._client import *  # noqa: F403
from ._client_base import ClientConfig
from ._events import *  # noqa: F403
from ._exceptions import *  # noqa: F403
from ._handlers import *  # noqa: F403
from ._message import *  # noqa: F403
from ._model_base import UNSET, ErrorObject, LastError, UnknownObject, UnsetType, Usage
from ._notifications import *  # noqa: F403
from ._pages import *  # noqa: F403
from ._recording import recording_path, recording_paths, replay_chunks, replay_chunks_async
from ._run import *  # noqa: F403
from ._run_step import *  # noqa: F403
from ._samples import *  # noqa: F403
from ._sse import *  # noqa: F403
from ._stream_base import SnapshotUpdate
from ._streams import *  # noqa: F403
from ._thread import *  # noqa: F403
from ._tools import ToolCallError, pending_tool_calls

__version__ = "0.1.0"
