"""The walkthroughs' page reaches this machine only: anything else is blocked and counted."""

from playwright.sync_api import Page


def test_requests_off_the_machine_are_blocked_and_counted(
    page: Page, outside_requests: list[str]
) -> None:
    page.set_content(
        '<img src="https://cdn.example.com/logo.svg"><img src="http://10.1.2.3/tracker.png">'
    )
    page.wait_for_load_state("networkidle")
    assert sorted(outside_requests) == [
        "http://10.1.2.3/tracker.png",
        "https://cdn.example.com/logo.svg",
    ]
    assert page.evaluate("[...document.images].map(image => image.naturalWidth)") == [0, 0]
    outside_requests.clear()  # seen and expected; any other would fail the test at teardown
