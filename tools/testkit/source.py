"""Read a chapter's code without running it: which function handles an operation, and how.

Some rules of a lesson are about how the code is written, not what it answers: "written with
`async def`". Reading the files with `ast` checks them without importing anything, so the
student's code cannot answer for itself.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

from testkit.bilingual import message

METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


# Calls that block the event loop when an `async def` handler makes them (the lesson's own
# example is time.sleep): (module, function) as the code names them.
BLOCKING = {
    ("time", "sleep"),
    ("requests", "get"),
    ("requests", "post"),
    ("urllib.request", "urlopen"),
}


@dataclass(frozen=True)
class Handler:
    file: str
    line: int
    name: str
    is_async: bool
    blocking_calls: tuple[str, ...] = ()


def blocking_calls(function: ast.AST) -> tuple[str, ...]:
    """`time.sleep(2)` and the like inside an `async def`, each as written with its line."""
    found = []
    awaited = {id(node.value) for node in ast.walk(function) if isinstance(node, ast.Await)}
    for node in ast.walk(function):
        if not isinstance(node, ast.Call) or id(node) in awaited:
            continue
        called = ast.unparse(node.func)
        module, _, name = called.rpartition(".")
        if (module, name) in BLOCKING or (not module and name == "sleep"):
            line = node.lineno
            found.append(message(f"{called}() on line {line}", f"{line}번째 줄의 {called}()"))
    return tuple(found)


def routes_of(decorator: ast.expr) -> list[tuple[str, str]]:
    """(METHOD, path) pairs that a decorator such as `@app.get("/ping")` declares."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
        return []
    arguments = [*decorator.args, *(k.value for k in decorator.keywords if k.arg == "path")]
    if not arguments or not isinstance(arguments[0], ast.Constant):
        return []
    path = arguments[0].value
    if decorator.func.attr in METHODS:
        return [(decorator.func.attr.upper(), path)]
    if decorator.func.attr == "api_route":
        methods = next((k.value for k in decorator.keywords if k.arg == "methods"), None)
        if isinstance(methods, ast.List | ast.Tuple):
            named = [m.value for m in methods.elts if isinstance(m, ast.Constant)]
            return [(str(method).upper(), path) for method in named]
    return []


def handlers(chapter: Path, method: str, path: str) -> list[Handler]:
    found = []
    for file in sorted(chapter.rglob("*.py")):
        if "tests" in file.relative_to(chapter).parts:
            continue
        try:
            tree = ast.parse(file.read_text(), str(file))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                (method, path) in routes_of(d) for d in node.decorator_list
            ):
                is_async = isinstance(node, ast.AsyncFunctionDef)
                relative = file.relative_to(chapter).as_posix()
                blocking = blocking_calls(node) if is_async else ()
                found.append(Handler(relative, node.lineno, node.name, is_async, blocking))
    return found
