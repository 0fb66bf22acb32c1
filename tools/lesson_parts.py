"""The parts of a lesson that every edition of it shares, in order, with none of its prose.

A translated lesson (`README.ko.md`) says in its own words what the English one (`README.md`)
says, but its skeleton is the same: the headings (their levels, not their titles), every fenced
code block byte for byte, the pictures, the task lines (`(`ch03.ex2`, 2 points)`, as
`tools/course.py` parses them) with a hint each, and, section by section, the inline code and
the link targets its sentences use. This prints that skeleton one part per paragraph, so a
diff of two editions shows exactly what drifted and nothing else:

    diff <(python tools/lesson_parts.py 03_crud_path/README.md) \\
         <(python tools/lesson_parts.py 03_crud_path/README.ko.md)

The line under the title that links one edition to the other (`[한국어](README.ko.md)`,
`[English](README.md)`, or `[한국어](TROUBLESHOOTING.ko.md)` for a document beside the
chapters) is left out: it differs on purpose. tools/test_korean_edition.py compares the parts,
and names the section where they differ.

Usage: python tools/lesson_parts.py LESSON
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import course

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
HEADING = re.compile(r"^(?P<level>#{1,6}) (?P<title>.*)$")
PICTURE = re.compile(r"!\[[^\]]*\]\((?P<target>[^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<target>[^)\s]+)\)|<(?P<url>https?://[^>\s]+)>")
INLINE_CODE = re.compile(r"(?<!`)(?P<ticks>`+)(?!`)(?P<code>.+?)(?<!`)(?P=ticks)(?!`)", re.S)
HINT_TAG = "<details><summary>Hint</summary>"  # tools/course.py reads a task's hint after it
# The line under the title that links to the other edition: each edition has its own.
EDITION_LINK = re.compile(r"\[(?:한국어|English)\]\([^)\s]+\)")
# Parts whose order depends on the language's word order: compared as a set per section.
UNORDERED = ("inline", "link")


@dataclass(frozen=True)
class Part:
    kind: str  # heading, code, picture, task, hint, inline or link
    text: str  # what every edition has the same: "##", a whole fenced block, a file name...
    line: int  # where it is in the lesson, from 1
    section: int  # which heading it lies under: 0 before the first, 1 under the first...


def line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def split(text: str) -> tuple[list[Part], str]:
    """The headings and code blocks of `text`, and its prose: `text` with the blocks blanked
    out, line for line (a line of the prose is the same line of `text`)."""
    lines = text.split("\n")
    found: list[Part] = []
    prose = list(lines)
    section = 0
    number = 0
    while number < len(lines):
        fence = FENCE.match(lines[number])
        if fence:
            mark, length = fence["fence"][0], len(fence["fence"])
            end = number + 1
            while end < len(lines) and not (
                set(lines[end].strip()) == {mark} and len(lines[end].strip()) >= length
            ):
                end += 1
            block = "\n".join(lines[number : end + 1])
            found.append(Part("code", block, number + 1, section))
            for blank in range(number, min(end + 1, len(lines))):
                prose[blank] = ""
            number = end + 1
            continue
        heading = HEADING.match(lines[number])
        if heading:
            section += 1
            found.append(Part("heading", heading["level"], number + 1, section))
        number += 1
    return found, "\n".join(prose)


def parts(text: str) -> list[Part]:
    """Every part of the lesson `text`, in order; within each section, its inline code and
    link targets come last, sorted, each once."""
    found, prose = split(text)
    headings = [part.line for part in found if part.kind == "heading"]
    edition = edition_line(text) if EDITION_LINK.fullmatch(edition_link(text) or "") else None

    def at(kind: str, value: str, offset: int) -> Part:
        line = line_at(prose, offset)
        return Part(kind, value, line, sum(1 for heading in headings if heading <= line))

    found += [at("picture", m["target"], m.start()) for m in PICTURE.finditer(prose)]
    for match in course.TASK_LINE.finditer(prose):
        tail = match.group(0)[match.end("title") - match.start() + 2 :].strip()
        found.append(at("task", tail, match.start()))
    found += [at("hint", HINT_TAG, match.start()) for match in course.HINT.finditer(prose)]
    for match in INLINE_CODE.finditer(prose):
        # A span broken over two lines of the source is the same span.
        code = re.sub(r"[ \t]*\n[ \t]*", " ", match["code"])
        found.append(at("inline", f"`{code}`", match.start()))
    for match in LINK.finditer(prose):
        if line_at(prose, match.start()) != edition:
            found.append(at("link", match["target"] or match["url"], match.start()))
    ordered = sorted(
        (part for part in found if part.kind not in UNORDERED), key=lambda part: part.line
    )
    unordered: dict[tuple[int, str, str], Part] = {}
    for part in sorted(found, key=lambda part: part.line):
        if part.kind in UNORDERED:
            unordered.setdefault((part.section, part.kind, part.text), part)
    result = []
    for section in range(len(headings) + 1):
        result += [part for part in ordered if part.section == section]
        result += [unordered[key] for key in sorted(unordered) if key[0] == section]
    return result


def edition_line(text: str) -> int | None:
    """The number (from 1) of the first line after the lesson's title that is not blank: where
    the link to the other edition goes."""
    lines = text.split("\n")
    title = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    if title is None:
        return None
    return next((i + 1 for i in range(title + 1, len(lines)) if lines[i].strip()), None)


def edition_link(text: str) -> str | None:
    """The line where the link to the other edition goes, as written."""
    number = edition_line(text)
    return None if number is None else text.split("\n")[number - 1].strip()


def titles(text: str) -> list[str]:
    """The lesson's headings, as written (in its own language); index 0 is the part before
    the first heading."""
    found, _ = split(text)
    lines = text.split("\n")
    return ["(the top of the lesson)"] + [
        lines[part.line - 1].lstrip("#").strip() for part in found if part.kind == "heading"
    ]


def render(lesson_parts: list[Part]) -> str:
    """One part per paragraph; a section's inline code and links one per line, in one."""
    paragraphs: list[str] = []
    previous: Part | None = None
    for part in lesson_parts:
        if part.kind in UNORDERED:
            line = f"{part.kind} {part.text}"
            joined = previous is not None and previous.kind in UNORDERED
            if joined and previous.section == part.section:
                paragraphs[-1] += "\n" + line
            else:
                paragraphs.append(line)
        elif part.kind == "heading":
            paragraphs.append(f"{part.text} (heading)")
        elif part.kind == "code":
            paragraphs.append(part.text)
        else:
            paragraphs.append(f"{part.kind} {part.text}")
        previous = part
    return "\n\n".join(paragraphs) + "\n"


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(render(parts(Path(sys.argv[1]).read_text())), end="")


if __name__ == "__main__":
    main()
