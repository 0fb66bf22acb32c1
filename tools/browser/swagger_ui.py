"""What a reader does in Swagger UI, as Playwright steps: open an operation, "Try it out",
fill in, "Execute", and read what the page shows.

Everything is read from the page, as a reader would read it (the code and body of the live
response, the fields' values, the sections), never from the server behind it.
"""

import json
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Locator, Page, expect

SCHEMA_HEAD = ".json-schema-2020-12-head"
EXAMPLES_PICKER = "select.examples-select-element"


@dataclass(frozen=True)
class Answer:
    """The live response Swagger UI shows under "Server response"."""

    status: int
    body: Any
    request_url: str
    curl: str
    headers: dict[str, str]


class Operation:
    def __init__(self, page: Page, method: str, path: str) -> None:
        self.page = page
        self.method = method.lower()
        self.path = path
        selector = f".opblock-summary-path[data-path='{path}']"
        self.block = page.locator(f".opblock.opblock-{self.method}:has({selector})")
        expect(self.block).to_have_count(1)

    def summary(self) -> str:
        return self.block.locator(".opblock-summary-description").inner_text().strip()

    def expand(self) -> "Operation":
        if self.block.locator(".opblock-body").count() == 0:
            self.block.locator(".opblock-summary-control").click()
        expect(self.block.locator(".opblock-body")).to_be_visible()
        return self

    def try_it_out(self) -> "Operation":
        self.expand()
        self.block.locator("button.try-out__btn", has_text="Try it out").click()
        expect(self.block.locator("button.execute")).to_be_visible()
        return self

    def field(self, name: str) -> Locator:
        return self.block.locator(f"tr[data-param-name='{name}'] td.parameters-col_description")

    def control(self, name: str) -> Locator:
        """The text field of a parameter, or its drop-down (an enum or a boolean)."""
        cell = self.field(name)
        choice = cell.locator(f"select:not({EXAMPLES_PICKER})")
        return choice if choice.count() else cell.locator("input")

    def value(self, name: str) -> str:
        return self.control(name).input_value()

    def options(self, name: str) -> list[str]:
        return self.field(name).locator(f"select:not({EXAMPLES_PICKER}) option").all_inner_texts()

    def examples(self, name: str) -> list[str]:
        """The summaries in a parameter's "Examples" drop-down (from `openapi_examples`)."""
        return self.field(name).locator(f"{EXAMPLES_PICKER} option").all_inner_texts()

    def pick_example(self, name: str, summary: str) -> "Operation":
        self.field(name).locator(EXAMPLES_PICKER).select_option(label=summary)
        return self

    def fill(self, **values: str) -> "Operation":
        for name, value in values.items():
            control = self.control(name)
            if control.evaluate("element => element.tagName") == "SELECT":
                control.select_option(value)
            else:
                control.fill(value)
        return self

    def is_refused(self, name: str) -> bool:
        """Swagger UI marks a value it will not send with a red border (class `invalid`)."""
        return "invalid" in (self.control(name).get_attribute("class") or "")

    def body(self) -> Any:
        return json.loads(self.block.locator("textarea.body-param__text").input_value())

    def set_body(self, text: str) -> "Operation":
        self.block.locator("textarea.body-param__text").fill(text)
        return self

    def documented_codes(self) -> list[int]:
        rows = self.block.locator(".responses-table:not(.live-responses-table) tr.response")
        return [int(code) for code in rows.evaluate_all("rows => rows.map(r => r.dataset.code)")]

    def documented_example(self, code: int) -> Any:
        row = self.block.locator(f".responses-table tr.response[data-code='{code}']")
        return json.loads(row.locator(".highlight-code pre").inner_text())

    def clear(self) -> None:
        """The "Clear" button: the previous answer goes away."""
        if self.block.locator(".live-responses-table").count():
            self.block.locator("button.btn-clear").click()
        expect(self.block.locator(".live-responses-table")).to_have_count(0)

    def execute(self) -> Answer:
        self.clear()
        self.block.locator("button.execute").click()
        live = self.block.locator(".live-responses-table tr.response")
        expect(live).to_have_count(1)
        body_text = live.locator(".response-col_description .highlight-code pre").inner_text()
        headers = live.locator("div", has=self.page.locator("h5", has_text="Response headers"))
        return Answer(
            status=int(live.locator("td.response-col_status").inner_text().strip()),
            body=parsed(body_text),
            request_url=self.block.locator(".request-url pre").inner_text(),
            curl=self.block.locator(".curl-command pre").inner_text(),
            headers=dict(
                line.strip().split(": ", 1)
                for line in headers.locator("pre").inner_text().splitlines()
                if line.strip()
            ),
        )

    def execute_is_refused(self) -> None:
        """Execute sends nothing: Swagger UI keeps the request and marks the fields at fault."""
        self.clear()
        sent: list[str] = []
        self.page.on("request", lambda request: sent.append(request.url))
        self.block.locator("button.execute").click()
        expect(self.block.locator("tr[data-param-name] input.invalid").first).to_be_visible()
        expect(self.block.locator(".live-responses-table")).to_have_count(0)
        assert sent == [], f"Swagger UI sent {sent}"


def operations_tagged(openapi: dict[str, Any], tag: str) -> list[str]:
    """The operations of /openapi.json that carry `tag`, as "GET /path", in document order."""
    return [
        f"{method.upper()} {path}"
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        if tag in operation.get("tags", [])
    ]


def schemas_only_for_exercises(openapi: dict[str, Any]) -> set[str]:
    """Component schemas that no operation outside the `exercises` tag refers to."""
    schemas = openapi.get("components", {}).get("schemas", {})

    def reachable(document: Any, found: set[str]) -> set[str]:
        text = json.dumps(document)
        for name in schemas:
            if f'"#/components/schemas/{name}"' in text and name not in found:
                found.add(name)
                reachable(schemas[name], found)
        return found

    used: set[str] = set()
    for item in openapi["paths"].values():
        for operation in item.values():
            if "exercises" not in operation.get("tags", []):
                reachable(operation, used)
    return set(schemas) - used


class SwaggerUI:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> "SwaggerUI":
        self.page.goto(f"{self.base_url}/docs")
        expect(self.page.locator(".opblock").first).to_be_visible()
        return self

    def title(self) -> str:
        return self.page.locator(".info .title").inner_text().split("\n")[0].strip()

    def description(self) -> str:
        return self.page.locator(".info .description").inner_text().strip()

    def sections(self) -> dict[str, list[str]]:
        """Each section (tag) with its operations, as "GET /path", in the order shown."""
        shown: dict[str, list[str]] = {}
        for section in self.page.locator(".opblock-tag-section").all():
            tag = section.locator("h3.opblock-tag").get_attribute("data-tag") or ""
            shown[tag] = [
                f"{block.locator('.opblock-summary-method').inner_text()} "
                f"{block.locator('.opblock-summary-path').get_attribute('data-path')}"
                for block in section.locator(".opblock").all()
            ]
        return shown

    def lesson_sections(self) -> dict[str, list[str]]:
        """The sections a lesson describes; the `exercises` section is checked here instead.

        In the instructor's edition (this repository) it holds the solutions: exactly the
        operations that /openapi.json tags `exercises`, and at least one.
        """
        sections = self.sections()
        exercises = sections.pop("exercises", None)
        openapi = self.page.request.get(f"{self.base_url}/openapi.json").json()
        solutions = operations_tagged(openapi, "exercises")
        assert solutions, "the instructor's edition shows the solutions under `exercises`"
        assert exercises == solutions
        assert list(self.sections())[-1] == "exercises", "the exercises section comes last"
        return sections

    def lesson_schemas(self) -> list[str]:
        """The schemas a lesson lists: those shown, less the ones only the solutions use."""
        openapi = self.page.request.get(f"{self.base_url}/openapi.json").json()
        return [name for name in self.schemas() if name not in schemas_only_for_exercises(openapi)]

    def schema_boxes(self) -> Locator:
        return self.page.locator("section.models article[data-json-schema-level='0']")

    def schemas(self) -> list[str]:
        """The names listed under "Schemas" at the bottom of the page."""
        titles = self.schema_boxes().locator(f":scope > {SCHEMA_HEAD} .json-schema-2020-12__title")
        return [title.strip() for title in titles.all_inner_texts()]

    def schema_text(self, name: str) -> str:
        """One schema, opened with its "Expand all" button, as text."""
        title = self.page.locator(f":scope > {SCHEMA_HEAD} .json-schema-2020-12__title")
        box = self.schema_boxes().filter(has=title.filter(has_text=name))
        box.locator(".json-schema-2020-12-expand-deep-button").first.click()
        return box.inner_text()

    def operation(self, method: str, path: str) -> Operation:
        return Operation(self.page, method, path)


def parsed(text: str) -> Any:
    """A JSON body as Python values; any other body (Prometheus's text, say) as its text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
