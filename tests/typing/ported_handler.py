"""An event handler written the openai-python way (its documented AssistantEventHandler
examples: narrowing on ``.type`` and ``.event``, code_interpreter input and logs, file_search
results, requires_action tool calls, annotations, delta fields tested with ``is not None``),
ported by changing the imports and the base class. tests/test_typing.py runs pyright and mypy
on it: it must type-check with no error."""

from __future__ import annotations

import json

from runstream import EventHandler, Message, Run, RunStep
from runstream.events import AssistantStreamEvent
from runstream.types import RunStepDelta, Text, TextDelta, ToolCall, ToolCallDelta, UnknownObject


class PortedHandler(EventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.printed: list[str] = []
        self.outputs: dict[str, str] = {}

    def on_event(self, event: AssistantStreamEvent) -> None:
        # Retrieve events that are denoted with 'requires_action', as openai-python's
        # function calling example does.
        if event.event == "thread.run.requires_action":
            run_id = event.data.id
            self.handle_requires_action(event.data, run_id)
        elif event.event == "thread.run.step.delta":
            details = event.data.delta.step_details
            if details is not None and details.type == "tool_calls" and details.tool_calls is not None:
                self.printed.append(f"{len(details.tool_calls)} tool call fragments")
        elif event.event == "thread.message.completed":
            self.printed.append(event.data.id)
        elif event.event == "thread.run.completed" and event.data.usage is not None:
            usage = event.data.usage
            self.printed.append(f"{usage.total_tokens} tokens")
            if usage.prompt_token_details is not None:
                self.printed.append(f"{usage.prompt_token_details.cached_tokens} cached")

    def handle_requires_action(self, data: Run, run_id: str) -> None:
        if data.required_action is None or data.required_action.submit_tool_outputs is None:
            return
        for tool in data.required_action.submit_tool_outputs.tool_calls:
            if tool.function.name == "get_current_temperature":
                self.outputs[tool.id] = "57"
            elif tool.function.name == "get_rain_probability":
                arguments = json.loads(tool.function.arguments)
                self.outputs[tool.id] = str(arguments.get("probability", "0.06"))
            else:
                self.outputs[tool.id] = json.dumps(json.loads(tool.function.arguments or "{}"))

    def on_text_created(self, text: Text) -> None:
        self.printed.append("\nassistant > ")

    def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
        if delta.value is not None:
            self.printed.append(delta.value.upper())
        if delta.annotations is not None:
            for annotation in delta.annotations:
                if annotation.type == "file_citation" and annotation.file_citation is not None:
                    file_id = annotation.file_citation.file_id
                    if file_id is not None:
                        self.printed.append(file_id)

    def on_message_done(self, message: Message) -> None:
        # openai-python's file_search example: replace annotations with citations.
        message_content = message.content[0]
        if message_content.type != "text":
            return
        text = message_content.text
        citations: list[str] = []
        value = text.value
        for index, annotation in enumerate(text.annotations):
            value = value.replace(annotation.text, f"[{index}]")
            if annotation.type == "file_citation":
                citations.append(f"[{index}] {annotation.file_citation.file_id}")
            elif annotation.type == "file_path":
                citations.append(f"[{index}] {annotation.file_path.file_id}")
        self.printed.append(value + "\n" + "\n".join(citations))

    def on_tool_call_created(self, tool_call: ToolCall) -> None:
        self.printed.append(f"\nassistant > {tool_call.type}\n")

    def on_tool_call_delta(self, delta: ToolCallDelta, snapshot: ToolCall) -> None:
        if delta.type == "code_interpreter" and delta.code_interpreter is not None:
            if delta.code_interpreter.input is not None:
                self.printed.append(delta.code_interpreter.input)
            if delta.code_interpreter.outputs is not None:
                self.printed.append("\n\noutput >")
                for output in delta.code_interpreter.outputs:
                    if output.type == "logs" and output.logs is not None:
                        self.printed.append(f"\n{output.logs}")
                    elif output.type == "image" and output.image is not None:
                        self.printed.append(str(output.image.file_id))
        elif delta.type == "function" and delta.function is not None:
            if delta.function.arguments is not None:
                self.printed.append(delta.function.arguments)
            if delta.function.output is not None:
                self.printed.append(delta.function.output)
        if snapshot.type == "function":
            self.printed.append(snapshot.function.arguments)

    def on_tool_call_done(self, tool_call: ToolCall) -> None:
        if tool_call.type == "code_interpreter":
            self.printed.append(tool_call.code_interpreter.input)
            for output in tool_call.code_interpreter.outputs:
                if output.type == "logs":
                    self.printed.append(output.logs)
                elif output.type == "image":
                    self.printed.append(output.image.file_id)
        elif tool_call.type == "file_search":
            results = tool_call.file_search.results
            if results:
                for result in results:
                    self.printed.append(f"{result.file_name} {result.score:.2f}")
        elif tool_call.type == "function":
            function_output = tool_call.function.output
            if function_output is not None:
                self.printed.append(function_output.strip())
        elif isinstance(tool_call, UnknownObject):
            self.printed.append(str(tool_call["type"]))

    def on_run_step_delta(self, delta: RunStepDelta, snapshot: RunStep) -> None:
        details = snapshot.step_details
        if details is not None and details.type == "message_creation":
            self.printed.append(details.message_creation.message_id)
