"""The tools a Response was given (its ``tools`` member) and the format of its text.

Tagged by ``type`` like the output items; a tool of a type runstream does not know is an
`UnknownObject`. Members whose shape varies between API versions (filters, containers,
approval policies) are plain JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal, Union

from .._models.base import Model, UnknownObject

__all__ = [
    "CodeInterpreterTool",
    "ComputerTool",
    "CustomTool",
    "FileSearchTool",
    "FunctionTool",
    "ImageGenerationTool",
    "LocalShellTool",
    "McpTool",
    "ResponseTool",
    "TextFormat",
    "TextFormatJSONObject",
    "TextFormatJSONSchema",
    "TextFormatText",
    "WebSearchPreviewTool",
    "WebSearchTool",
]


class FunctionTool(Model, tag_field="type", tag="function"):
    """A function the model may call."""

    type: ClassVar[Literal["function"]] = "function"
    name: str = ""
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class FileSearchTool(Model, tag_field="type", tag="file_search"):
    """Search in vector stores."""

    type: ClassVar[Literal["file_search"]] = "file_search"
    vector_store_ids: list[str] = []
    max_num_results: int | None = None
    filters: Any = None
    ranking_options: Any = None


class WebSearchTool(Model, tag_field="type", tag="web_search"):
    """Search the web."""

    type: ClassVar[Literal["web_search"]] = "web_search"
    search_context_size: str | None = None
    user_location: Any = None
    filters: Any = None


class WebSearchPreviewTool(Model, tag_field="type", tag="web_search_preview"):
    """Search the web (the preview tool)."""

    type: ClassVar[Literal["web_search_preview"]] = "web_search_preview"
    search_context_size: str | None = None
    user_location: Any = None


class ComputerTool(Model, tag_field="type", tag="computer_use_preview"):
    """Control a computer through screenshots and actions."""

    type: ClassVar[Literal["computer_use_preview"]] = "computer_use_preview"
    display_width: int = 0
    display_height: int = 0
    environment: str = ""


class McpTool(Model, tag_field="type", tag="mcp"):
    """The tools of a remote MCP server."""

    type: ClassVar[Literal["mcp"]] = "mcp"
    server_label: str = ""
    server_url: str | None = None
    server_description: str | None = None
    connector_id: str | None = None
    allowed_tools: Any = None
    headers: dict[str, Any] | None = None
    require_approval: Any = None


class CodeInterpreterTool(Model, tag_field="type", tag="code_interpreter"):
    """Run code in a container (``container``: its id, or how to make one, as JSON)."""

    type: ClassVar[Literal["code_interpreter"]] = "code_interpreter"
    container: Any = None


class ImageGenerationTool(Model, tag_field="type", tag="image_generation"):
    """Generate images."""

    type: ClassVar[Literal["image_generation"]] = "image_generation"
    model: str | None = None
    size: str | None = None
    quality: str | None = None
    output_format: str | None = None
    partial_images: int | None = None


class LocalShellTool(Model, tag_field="type", tag="local_shell"):
    """Run shell commands on the caller's machine."""

    type: ClassVar[Literal["local_shell"]] = "local_shell"


class CustomTool(Model, tag_field="type", tag="custom"):
    """A tool called with free-form input (``format``: a grammar, as JSON)."""

    type: ClassVar[Literal["custom"]] = "custom"
    name: str = ""
    description: str | None = None
    format: Any = None


if TYPE_CHECKING:
    #: A tool of a Response, narrowed by ``tool.type``.
    ResponseTool = Union[
        FunctionTool,
        FileSearchTool,
        WebSearchTool,
        WebSearchPreviewTool,
        ComputerTool,
        McpTool,
        CodeInterpreterTool,
        ImageGenerationTool,
        LocalShellTool,
        CustomTool,
        UnknownObject,
    ]
else:
    ResponseTool = Union[
        FunctionTool,
        FileSearchTool,
        WebSearchTool,
        WebSearchPreviewTool,
        ComputerTool,
        McpTool,
        CodeInterpreterTool,
        ImageGenerationTool,
        LocalShellTool,
        CustomTool,
    ]


class TextFormatText(Model, tag_field="type", tag="text"):
    """Plain text output."""

    type: ClassVar[Literal["text"]] = "text"


class TextFormatJSONSchema(Model, tag_field="type", tag="json_schema"):
    """Structured output following a JSON schema."""

    type: ClassVar[Literal["json_schema"]] = "json_schema"
    name: str = ""
    schema: dict[str, Any] | None = None
    description: str | None = None
    strict: bool | None = None


class TextFormatJSONObject(Model, tag_field="type", tag="json_object"):
    """Any JSON object."""

    type: ClassVar[Literal["json_object"]] = "json_object"


if TYPE_CHECKING:
    #: The format of a Response's text (``text.format``).
    TextFormat = Union[TextFormatText, TextFormatJSONSchema, TextFormatJSONObject, UnknownObject]
else:
    TextFormat = Union[TextFormatText, TextFormatJSONSchema, TextFormatJSONObject]
