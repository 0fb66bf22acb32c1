"""Find the solution blocks of one file, and write the file with some or all of them removed.

A block names its task and may say what goes there:

    # BEGIN SOLUTION ch03.ex2: the GET /users/nickname/{nickname} route
    ...
    # END SOLUTION

Blocks never nest and never stay open; anything else is a `BlockError` naming file and line.
In the starter, a removed block leaves one comment at its indentation, naming the task.
"""

import re
from dataclasses import dataclass
from pathlib import Path

TASK_ID = re.compile(r"ch\d\d\.ex\d+")
BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION\b(?P<rest>.*)$")
END = re.compile(r"^[ \t]*# END SOLUTION\b(?P<rest>.*)$")
HEADER = re.compile(r"^ (?P<task>ch\d\d\.ex\d+)(?::[ ]+(?P<note>\S.*))?$")
# The files that may hold solutions: Python, Dockerfiles and compose files.
MARKED_SUFFIXES = {".py", ".yaml", ".yml"}


class BlockError(ValueError):
    """A file whose markers do not form closed, unnested, named blocks."""


@dataclass(frozen=True)
class Block:
    task: str
    note: str
    indent: str
    start: int  # index of the BEGIN line
    end: int  # index of the END line

    def body(self, lines: list[str]) -> list[str]:
        return lines[self.start + 1 : self.end]


def may_hold_solutions(path: Path) -> bool:
    return path.suffix in MARKED_SUFFIXES or path.name == "Dockerfile"


def find_blocks(text: str, name: str) -> list[Block]:
    """Every block of `text`, in order; `name` is the file's name for error messages."""
    blocks: list[Block] = []
    open_at: tuple[int, str, str, str] | None = None
    for index, line in enumerate(text.splitlines()):
        begin, end = BEGIN.match(line), END.match(line)
        where = f"{name}, line {index + 1}"
        if begin:
            if open_at is not None:
                raise BlockError(
                    f"{where}: BEGIN SOLUTION inside the block opened on line "
                    f"{open_at[0] + 1}; blocks never nest"
                )
            header = HEADER.match(begin["rest"])
            if header is None:
                raise BlockError(
                    f"{where}: write `# BEGIN SOLUTION chNN.exM`, optionally "
                    f"followed by `: what goes here`"
                )
            open_at = (index, header["task"], header["note"] or "", begin["indent"])
        elif end:
            if open_at is None:
                raise BlockError(f"{where}: END SOLUTION without a BEGIN SOLUTION before it")
            if end["rest"].strip():
                raise BlockError(f"{where}: END SOLUTION takes nothing after it")
            start, task, note, indent = open_at
            blocks.append(Block(task, note, indent, start, index))
            open_at = None
    if open_at is not None:
        raise BlockError(f"{name}, line {open_at[0] + 1}: BEGIN SOLUTION is never closed")
    return blocks


def placeholder(block: Block) -> str:
    if block.note:
        return f"{block.indent}# Task {block.task}: {block.note}."
    return f"{block.indent}# Task {block.task} goes here (see the lesson's Exercises)."


def rewrite(
    text: str,
    name: str,
    keep: frozenset[str] = frozenset(),
    replacements: dict[str, list[list[str]]] | None = None,
) -> str:
    """`text` with the blocks of tasks in `keep` unmarked, and every other block a placeholder.

    `replacements` maps a task to the bodies to put in its blocks instead (in order): that is
    how a wrong solution is written into a copy of the chapter.
    """
    lines = text.splitlines()
    replacements = replacements or {}
    used = {task: 0 for task in replacements}
    output: list[str] = []
    cursor = 0
    for block in find_blocks(text, name):
        output += lines[cursor : block.start]
        if block.task in replacements:
            output += replacements[block.task][used[block.task]]
            used[block.task] += 1
        elif block.task in keep:
            output += block.body(lines)
        else:
            output.append(placeholder(block))
        cursor = block.end + 1
    output += lines[cursor:]
    return "\n".join(output) + ("\n" if text.endswith("\n") else "")


def starter(text: str, name: str) -> str:
    return rewrite(text, name)
