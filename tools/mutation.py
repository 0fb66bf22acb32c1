"""Beginner-like mutations of the solution blocks: small wrong programs the checks must reject.

A mutant is the full solution with one small change in one block of one task, of the kind a
new user makes: a comparison flipped or loosened (`<` for `<=`), a number off by one, a
statement or a check left out, the branches of an `if` swapped, a condition dropped, a sort
key or order changed, a field constraint forgotten (`min_length=1` gone), a method call
forgotten (`.lower()`), `async def` written `def`, a route's answer cached on its first call,
an error message or a status changed. In Dockerfiles and compose files: a line left out, a
label's value or key changed, compose's wait condition, address, route or restart policy
changed. `tools/mutants.py` runs the task's checks on each.

Each mutant has an id that survives edits elsewhere in the file:
`ch03.ex3 main.py#1 compare-flip @4:11`: the task, the file, the block (1 = the task's first
block in that file), the operator, and the line and column inside the block.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import solution_blocks
import wrong_solutions

# Keyword arguments that only document (Swagger UI's text): changing them changes no answer.
DOCUMENTATION = {"summary", "description", "examples", "openapi_examples", "title", "tags"}
CONSTRAINTS = {"min_length", "max_length", "ge", "le", "gt", "lt", "pattern", "max_digits"}
FLIPS: dict[type, list[type]] = {
    ast.Lt: [ast.LtE, ast.Gt],
    ast.LtE: [ast.Lt, ast.GtE],
    ast.Gt: [ast.GtE, ast.Lt],
    ast.GtE: [ast.Gt, ast.LtE],
    ast.Eq: [ast.NotEq],
    ast.NotEq: [ast.Eq],
    ast.In: [ast.NotIn],
    ast.NotIn: [ast.In],
    ast.Is: [ast.IsNot],
    ast.IsNot: [ast.Is],
}
ARITHMETIC: dict[type, type] = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv}
CACHE = '@__import__("functools").cache'  # "for speed": the first answer, forever after


@dataclass(frozen=True)
class Mutant:
    id: str
    task: str
    file: str  # relative to the chapter
    block: int  # the task's block in that file, from 1
    operator: str
    body: list[str]  # the mutated block's lines
    before: str  # the code it changed, for the report
    after: str

    def as_answer(self, chapter_dir: Path) -> wrong_solutions.WrongSolution:
        """The mutant as an answer to its task: every block of the task, one of them changed."""
        text = (chapter_dir / self.file).read_text()
        lines = text.splitlines()
        own = [b for b in solution_blocks.find_blocks(text, self.file) if b.task == self.task]
        bodies = [block.body(lines) for block in own]
        bodies[self.block - 1] = self.body
        return wrong_solutions.WrongSolution(
            chapter_dir / self.file, self.task, self.id, {self.file: bodies}
        )


@dataclass
class Edit:
    start: tuple[int, int]  # (line, column) in the block, both from 0
    end: tuple[int, int]
    text: str
    operator: str


def apply(lines: list[str], edit: Edit) -> list[str]:
    (start_line, start_col), (end_line, end_col) = edit.start, edit.end
    head, tail = lines[start_line][:start_col], lines[end_line][end_col:]
    replaced = (head + edit.text + tail).split("\n")
    return lines[:start_line] + replaced + lines[end_line + 1 :]


def span(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    return (node.lineno - 1, node.col_offset), (node.end_lineno - 1, node.end_col_offset)  # type: ignore[attr-defined,operator]


def source(lines: list[str], node: ast.AST) -> str:
    (start_line, start_col), (end_line, end_col) = span(node)
    if start_line == end_line:
        return lines[start_line][start_col:end_col]
    parts = [lines[start_line][start_col:], *lines[start_line + 1 : end_line]]
    return "\n".join([*parts, lines[end_line][:end_col]])


def replaced(node: ast.AST, new: ast.AST, operator: str) -> Edit:
    start, end = span(node)
    return Edit(start, end, f"({ast.unparse(new)})", operator)


def documentation_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes that only document: decorator arguments, docstrings, model_config, Field
    keyword arguments that describe. Mutating them changes no answer the lesson asks for."""
    skipped: set[int] = set()

    def skip(node: ast.AST) -> None:
        skipped.update(id(child) for child in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call):
                    for keyword in decorator.keywords:
                        if keyword.arg != "status_code" and keyword.arg != "response_class":
                            skip(keyword)
                    for argument in decorator.args:
                        skip(argument)
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skip(body[0])
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "model_config" for t in node.targets
        ):
            skip(node)
        if isinstance(node, ast.keyword) and node.arg in DOCUMENTATION:
            skip(node)
    return skipped


def indentation(body: list[str]) -> int:
    return min((len(line) - len(line.lstrip()) for line in body if line.strip()), default=0)


def parses(body: list[str]) -> bool:
    shift = indentation(body)
    try:
        ast.parse("\n".join(line[shift:] for line in body))
    except SyntaxError:
        return False
    return True


def python_edits(body: list[str]) -> Iterator[Edit]:
    """Every edit of the block, in its own lines and columns (the block may be indented)."""
    shift = indentation(body)
    lines = [line[shift:] for line in body]
    tree = ast.parse("\n".join(lines))
    skipped = documentation_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        for edit in node_edits(node, lines):
            (start_line, start_col), (end_line, end_col) = edit.start, edit.end
            text = edit.text.replace("\n", "\n" + " " * shift)
            yield Edit(
                (start_line, start_col + shift), (end_line, end_col + shift), text, edit.operator
            )


def node_edits(node: ast.AST, lines: list[str]) -> Iterator[Edit]:
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            for other in FLIPS.get(type(op), []):
                new = ast.Compare(node.left, list(node.ops), list(node.comparators))
                new.ops[index] = other()
                kind = (
                    "compare-flip"
                    if other in (ast.NotEq, ast.Eq, ast.NotIn, ast.In)
                    else "compare-edge"
                )
                yield replaced(node, new, kind)
        if len(node.ops) == 2:  # 0 <= x < n: keep one side only
            yield replaced(
                node, ast.Compare(node.left, node.ops[:1], node.comparators[:1]), "drop-bound"
            )
            yield replaced(
                node,
                ast.Compare(node.comparators[0], node.ops[1:], node.comparators[1:]),
                "drop-bound",
            )
    elif isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield replaced(node, ast.BoolOp(other, node.values), "and-or")
        for index in range(len(node.values)):
            rest = node.values[:index] + node.values[index + 1 :]
            new = rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)
            yield replaced(node, new, "drop-condition")
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield replaced(node, node.operand, "drop-not")
    elif isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
        yield replaced(
            node, ast.BinOp(node.left, ARITHMETIC[type(node.op)](), node.right), "arithmetic"
        )
    elif (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    ):
        yield replaced(node, ast.Constant(node.value + 1), "number+1")
        yield replaced(node, ast.Constant(node.value - 1), "number-1")
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield replaced(node, ast.Constant(not node.value), "boolean")
    elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
        yield replaced(node, ast.Constant(node.value + "!"), "string")
    elif isinstance(node, ast.JoinedStr):
        yield replaced(node, ast.JoinedStr([*node.values, ast.Constant("!")]), "string")
    elif (
        isinstance(node, ast.Attribute)
        and node.attr.startswith("HTTP_")
        and node.attr != "HTTP_400_BAD_REQUEST"
    ):
        yield replaced(
            node, ast.Attribute(node.value, "HTTP_400_BAD_REQUEST", ast.Load()), "status"
        )
    elif isinstance(node, ast.Call):
        yield from call_edits(node, lines)
    elif isinstance(node, ast.If):
        yield replaced(node.test, ast.UnaryOp(ast.Not(), node.test), "negate-if")
        yield replaced(node.test, ast.Constant(False), "if-never")
        if node.orelse:
            yield swap_branches(node, lines)
    elif isinstance(node, ast.IfExp):
        yield replaced(node, ast.IfExp(node.test, node.orelse, node.body), "swap-branches")
    elif isinstance(node, ast.Slice):
        for part in ("lower", "upper"):
            if getattr(node, part) is not None:
                new = ast.Slice(node.lower, node.upper, node.step)
                setattr(new, part, None)
                yield replaced(node, new, "slice-bound")
    if isinstance(node, ast.stmt) and not isinstance(
        node,
        ast.FunctionDef
        | ast.AsyncFunctionDef
        | ast.ClassDef
        | ast.Import
        | ast.ImportFrom
        | ast.Pass,
    ):
        start, end = span(node)
        yield Edit((start[0], start[1]), end, "pass", "drop-statement")
    if isinstance(node, ast.AsyncFunctionDef):
        line = node.lineno - 1
        column = lines[line].index("async def")
        yield Edit((line, column), (line, column + len("async def")), "def", "async-to-def")
    if isinstance(node, ast.FunctionDef) and any(
        isinstance(d, ast.Call)
        and isinstance(d.func, ast.Attribute)
        and d.func.attr in {"get", "post", "put", "patch", "delete"}
        for d in node.decorator_list
    ):
        line = node.lineno - 1
        indent = lines[line][: len(lines[line]) - len(lines[line].lstrip())]
        yield Edit((line, 0), (line, 0), f"{indent}{CACHE}\n", "cache-first-answer")


def call_edits(node: ast.Call, lines: list[str]) -> Iterator[Edit]:
    function = node.func
    name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
    for index, keyword in enumerate(node.keywords):
        if keyword.arg in CONSTRAINTS:
            new = ast.Call(node.func, node.args, node.keywords[:index] + node.keywords[index + 1 :])
            yield replaced(node, new, "drop-constraint")
        if keyword.arg == "reverse":
            yield replaced(
                node,
                ast.Call(node.func, node.args, [k for k in node.keywords if k is not keyword]),
                "sort-order",
            )
        if keyword.arg == "key" and name in {"sorted", "sort", "min", "max"}:
            yield replaced(
                node,
                ast.Call(node.func, node.args, [k for k in node.keywords if k is not keyword]),
                "sort-key",
            )
    if name == "sorted" and node.args:
        yield replaced(node, ast.Call(ast.Name("list", ast.Load()), node.args[:1], []), "unsorted")
        if not any(k.arg == "reverse" for k in node.keywords):
            reverse = ast.keyword("reverse", ast.Constant(True))
            yield replaced(
                node, ast.Call(node.func, node.args, [*node.keywords, reverse]), "sort-order"
            )
    if (
        isinstance(function, ast.Attribute)
        and not node.args
        and not node.keywords
        and name in {"lower", "casefold", "strip", "upper"}
    ):
        yield replaced(node, function.value, "drop-call")
    if (
        name in {"startswith", "endswith"}
        and isinstance(function, ast.Attribute)
        and len(node.args) == 1
    ):
        yield replaced(
            node, ast.Compare(node.args[0], [ast.In()], [function.value]), "contains-not-prefix"
        )
    if name == "pop" and isinstance(function, ast.Attribute) and node.args:
        yield replaced(
            node, ast.Subscript(function.value, node.args[0], ast.Load()), "pop-to-index"
        )


def swap_branches(node: ast.If, lines: list[str]) -> Edit:
    """`if c: A else: B` as `if c: B else: A` (the statements only, at their indentation)."""
    body_text = "\n".join(lines[node.body[0].lineno - 1 : node.body[-1].end_lineno])
    else_text = "\n".join(lines[node.orelse[0].lineno - 1 : node.orelse[-1].end_lineno])
    indent_body = node.body[0].col_offset
    indent_else = node.orelse[0].col_offset

    def reindent(text: str, old: int, new: int) -> str:
        return "\n".join(
            " " * new + line[old:] if line.strip() else line for line in text.split("\n")
        )

    start = (node.body[0].lineno - 1, 0)
    end = (node.orelse[-1].end_lineno - 1, len(lines[node.orelse[-1].end_lineno - 1]))
    middle = "\n".join(lines[node.body[-1].end_lineno : node.orelse[0].lineno - 1])
    text = (
        reindent(else_text, indent_else, indent_body)
        + "\n"
        + middle
        + "\n"
        + reindent(body_text, indent_body, indent_else)
    )
    return Edit(start, end, text, "swap-branches")


# -- Dockerfiles and compose files: text -----------------------------------------------------

TEXT_SWAPS = [
    ("service_healthy", "service_started", "wait-condition"),
    ("http://api:", "http://localhost:", "address"),
    ("/health", "/healthz", "route"),
    ('"1.0.0"', '"1.0.1"', "value"),
    ("image.version", "image.versio", "label-key"),
    ("image.title", "image.titl", "label-key"),
    ('restart: "no"', "restart: always", "restart"),
    ("python:3.13.5-slim-bookworm", "python:3.13-slim", "image"),
]


def text_edits(body: list[str]) -> Iterator[tuple[list[str], str, str, str]]:
    """(new body, operator, before, after) for a Dockerfile or compose block."""
    for index, line in enumerate(body):
        if line.strip() and not line.strip().startswith("#"):
            yield body[:index] + body[index + 1 :], "drop-line", line.strip(), "(left out)"
    for old, new, operator in TEXT_SWAPS:
        for index, line in enumerate(body):
            if old in line:
                changed = [*body]
                changed[index] = line.replace(old, new, 1)
                yield changed, operator, line.strip(), changed[index].strip()


def of_block(task: str, file: str, number: int, body: list[str]) -> Iterator[Mutant]:
    if file.endswith(".py"):
        seen: set[tuple[str, ...]] = set()
        for edit in python_edits(body):
            try:
                new = apply(body, edit)
            except IndexError:
                continue
            key = tuple(new)
            if key in seen or new == body or not parses(new):
                continue
            seen.add(key)
            line, column = edit.start
            before = body[line].strip() if line < len(body) else ""
            after = new[line].strip() if line < len(new) else ""
            mutant_id = f"{task} {file}#{number} {edit.operator} @{line + 1}:{column}"
            yield Mutant(mutant_id, task, file, number, edit.operator, new, before, after)
    else:
        for index, (new, operator, before, after) in enumerate(text_edits(body)):
            mutant_id = f"{task} {file}#{number} {operator} #{index}"
            yield Mutant(mutant_id, task, file, number, operator, new, before, after)


def of_chapter(chapter_dir: Path, files: list[Path]) -> list[Mutant]:
    """Every mutant of every solution block of the chapter, in a stable order."""
    mutants: list[Mutant] = []
    for relative in files:
        path = chapter_dir / relative
        if not solution_blocks.may_hold_solutions(path):
            continue
        text = path.read_text()
        lines = text.splitlines()
        counts: dict[str, int] = {}
        for block in solution_blocks.find_blocks(text, str(relative)):
            counts[block.task] = counts.get(block.task, 0) + 1
            mutants += of_block(
                block.task, relative.as_posix(), counts[block.task], block.body(lines)
            )
    return mutants
