"""Contract checks: what Swagger UI shows must match the chapter's committed snapshot.

Operations tagged `exercises` are left out of the comparison, with the schemas only they use:
solving an exercise adds them, and must not make the check fail. Anything else that changes
what `/docs` shows is a visible diff, named operation by operation: a student learns which of
their operations lacks the `exercises` tag, or which given operation they changed; an
instructor who meant a change runs `make snapshots` (UPDATE_SNAPSHOTS=1 rewrites the file).
"""

import json
import os
from pathlib import Path
from typing import Any

from testkit.bilingual import message
from testkit.checks import Mismatch

EXERCISES = "exercises"
ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def references(node: Any) -> set[str]:
    """The names of the component schemas that `node` points to with `$ref`."""
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(references(value) for value in node))
    return set()


def without_exercises(schema: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, operations in schema.get("paths", {}).items():
        kept = {
            method: operation
            for method, operation in operations.items()
            if EXERCISES not in operation.get("tags", [])
        }
        if kept:
            paths[path] = kept
    components = schema.get("components", {}).get("schemas", {})
    needed: set[str] = set()
    todo = references(paths)
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo |= references(components.get(name, {}))
    result = {**schema, "paths": paths}
    rest = {key: value for key, value in schema.get("components", {}).items() if key != "schemas"}
    kept_components = {name: value for name, value in components.items() if name in needed}
    if kept_components:
        rest["schemas"] = kept_components
    result.pop("components", None)
    if rest:
        result["components"] = rest
    return result


def operations(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in schema.get("paths", {}).items()
        for method, operation in item.items()
        if method in METHODS
    }


def in_the_instructors_copy() -> bool:
    return (ROOT / "tools" / "student_edition.py").is_file()


def differences(shown: dict[str, Any], snapshot: dict[str, Any]) -> list[str]:
    """What changed, in words a student can act on."""
    now, then = operations(shown), operations(snapshot)
    lines = []
    for name in sorted(now.keys() - then.keys()):
        lines.append(
            message(
                f"{name} is new, and not tagged exercises. If it is your answer to a task, add "
                'the tag: tags=["exercises"] in its decorator (and no other tag).',
                f"새 경로 작동 {name}에 exercises 태그가 없습니다. 과제의 답이라면 데코레이터에 "
                'tags=["exercises"]를 붙이세요(다른 태그는 붙이지 마세요).',
            )
        )
    for name in sorted(then.keys() - now.keys()):
        lines.append(
            message(
                f"{name} of the given code is gone (or no longer shown): put it back.",
                f"주어진 코드의 경로 작동이 사라졌습니다(또는 더 이상 보이지 않습니다): {name}. "
                "되돌려 놓으세요.",
            )
        )
    for name in sorted(now.keys() & then.keys()):
        if now[name] != then[name]:
            changed = sorted(
                k
                for k in now[name].keys() | then[name].keys()
                if now[name].get(k) != then[name].get(k)
            )
            fields = ", ".join(changed)
            lines.append(
                message(
                    f"{name} of the given code shows something else now ({fields}).",
                    f"주어진 코드의 경로 작동 {name}의 내용이 바뀌었습니다({fields}).",
                )
            )
    if not lines:
        changed = sorted(
            k for k in shown.keys() | snapshot.keys() if shown.get(k) != snapshot.get(k)
        )
        fields = ", ".join(changed)
        lines.append(
            message(
                f"What /docs shows changed outside the operations ({fields}).",
                f"경로 작동 밖에서 /docs에 보이는 내용이 바뀌었습니다({fields}).",
            )
        )
    return lines


def check_matches_snapshot(schema: dict[str, Any], snapshot_file: Path) -> None:
    shown = without_exercises(schema)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot_file.write_text(json.dumps(shown, indent=2, ensure_ascii=False) + "\n")
    snapshot = json.loads(snapshot_file.read_text())
    if shown == snapshot:
        return
    advice = (
        message(
            "If you meant it, run `make snapshots` and review the diff.",
            "의도한 변경이라면 `make snapshots`를 실행하고 diff를 검토하세요.",
        )
        if in_the_instructors_copy()
        else message(
            "Operations of the given code must stay as they were handed out.",
            "주어진 코드의 경로 작동은 받은 그대로 두어야 합니다.",
        )
    )
    raise Mismatch(
        message(
            "What /docs shows differs from the chapter's snapshot (tests/openapi.json):\n",
            "/docs에 보이는 내용이 이 장의 스냅샷(tests/openapi.json)과 다릅니다:\n",
        )
        + "\n".join(f"  - {line}" for line in differences(shown, snapshot))
        + f"\n{advice}"
    )


def check_exercise_operations_carry_only_their_tag(schema: dict[str, Any]) -> None:
    mixed = [
        f"{name} (tags {operation['tags']})"
        for name, operation in operations(schema).items()
        if EXERCISES in operation.get("tags", []) and operation["tags"] != [EXERCISES]
    ]
    if mixed:
        raise Mismatch(
            message(
                "An operation of an exercise carries the exercises tag and others: give it "
                'only tags=["exercises"].\n  ',
                "연습 문제의 경로 작동에 exercises 태그와 다른 태그가 함께 붙어 있습니다: "
                'tags=["exercises"]만 붙이세요.\n  ',
            )
            + "\n  ".join(mixed)
        )
    if EXERCISES not in [tag["name"] for tag in schema.get("tags", [])]:
        raise Mismatch(
            message(
                "The app no longer describes the exercises tag (openapi_tags).",
                "앱이 exercises 태그의 설명(openapi_tags)을 더 이상 담고 있지 않습니다.",
            )
        )


def check_operation_is_an_exercise(schema: dict[str, Any], method: str, path: str) -> None:
    """A task's new operation exists and sits under the exercises tag, and only there."""
    operation = schema.get("paths", {}).get(path, {}).get(method.lower())
    if operation is None:
        raise Mismatch(
            message(
                f"There is no {method} {path} operation yet.",
                f"{method} {path} 경로 작동이 아직 없습니다.",
            )
        )
    if operation.get("tags") != [EXERCISES]:
        tags = operation.get("tags")
        raise Mismatch(
            message(
                f"{method} {path} must carry the exercises tag, and only it: "
                f'tags=["exercises"] in its decorator.\n  got: tags {tags}',
                f"{method} {path}에는 exercises 태그 하나만 붙어야 합니다: 데코레이터에 "
                f'tags=["exercises"]를 쓰세요.\n  받은 값: tags {tags}',
            )
        )
