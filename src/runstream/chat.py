"""The Chat Completions dialect: ``chat.completion.chunk`` streams into the ``chat.completion``
object, on runstream's engine (see the "Chat Completions streams" guide).

```python
from runstream.chat import ChatCompletionStream, ChatCompletionHandler
```
"""

from __future__ import annotations

from ._api.request_fields import (
    ChatCompletionFields,
    ChatToolLoopFields,
)
from ._chat.accumulator import (
    ChatCompletionAccumulator,
)
from ._chat.decoder import (
    ChatChunkDecoder,
)
from ._chat.handler import (
    AsyncChatCompletionHandler,
    ChatCompletionHandler,
)
from ._chat.models import (
    ChatAnnotation,
    ChatAudio,
    ChatChoice,
    ChatChoiceLogprobs,
    ChatCompletionTokensDetails,
    ChatCompletionUsage,
    ChatPromptTokensDetails,
    ChatTokenLogprob,
    ChatTopLogprob,
    ChatURLCitation,
    ChatURLCitationAnnotation,
    ChatChunkChoice,
    ChatChunkDelta,
    ChatCompletion,
    ChatCompletionChunk,
    ChatErrorEvent,
    ChatFunctionCall,
    ChatFunctionCallDelta,
    ChatMessage,
    ChatCustomCall,
    ChatCustomToolCall,
    ChatFunctionToolCall,
    ChatToolCall,
    ChatToolCallDelta,
)
from ._chat.notifications import (
    ChatChoiceFinished,
    ChatCompleted,
    ChatContentDelta,
    ChatErrorReceived,
    ChatFunctionCallArgumentsDelta,
    ChatRefusalDelta,
    ChatToolCallArgumentsDelta,
)
from ._chat.stream import (
    AsyncChatCompletionStream,
    ChatCompletionStream,
)
from ._streaming.dialect import DialectUpdate
from ._public import report_public_module as _report_public_module

__all__ = [
    "AsyncChatCompletionHandler",
    "AsyncChatCompletionStream",
    "ChatAnnotation",
    "ChatAudio",
    "ChatChoice",
    "ChatChoiceFinished",
    "ChatChoiceLogprobs",
    "ChatChunkChoice",
    "ChatChunkDecoder",
    "ChatChunkDelta",
    "ChatCompleted",
    "ChatCompletion",
    "ChatCompletionAccumulator",
    "ChatCompletionChunk",
    "ChatCompletionFields",
    "ChatCompletionHandler",
    "ChatCompletionStream",
    "ChatCompletionTokensDetails",
    "ChatCompletionUsage",
    "ChatContentDelta",
    "ChatCustomCall",
    "ChatCustomToolCall",
    "ChatErrorEvent",
    "ChatErrorReceived",
    "ChatFunctionCall",
    "ChatFunctionCallArgumentsDelta",
    "ChatFunctionCallDelta",
    "ChatFunctionToolCall",
    "ChatMessage",
    "ChatPromptTokensDetails",
    "ChatRefusalDelta",
    "ChatTokenLogprob",
    "ChatToolCall",
    "ChatToolCallArgumentsDelta",
    "ChatToolCallDelta",
    "ChatToolLoopFields",
    "ChatTopLogprob",
    "ChatURLCitation",
    "ChatURLCitationAnnotation",
    "DialectUpdate",
]

_report_public_module(__name__, globals(), __all__)
