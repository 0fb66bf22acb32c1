"""A chat (a list of messages) written as the one prompt this model continues.

The model learned Python source, not conversations: nobody taught it to follow instructions.
Its template only writes a chat the way its training text looks: what the system and the user
say becomes comments, what the assistant said becomes code, and the model goes on with the code
after the last message. An instruction-tuned model's template does the same job with its own
markers, the ones it was trained to answer after.
"""

from collections.abc import Iterable

from pydantic import BaseModel


class ChatTemplate(BaseModel):
    """What begins each line of a message, by role. Every message ends with a newline."""

    system: str = "# "
    user: str = "# "
    assistant: str = ""

    def render(self, messages: Iterable[tuple[str, str]]) -> str:
        """`(role, content)` pairs, roles among system, user and assistant, as one prompt."""
        lines = [
            getattr(self, role) + line for role, content in messages for line in content.split("\n")
        ]
        return "\n".join(lines) + "\n"
