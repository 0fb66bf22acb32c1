"""Contract test: what Swagger UI shows must match the committed snapshot (tests/openapi.json).

Operations tagged `exercises` are left out of the comparison: solving an exercise adds them,
and must not make this test fail (tools/testkit/snapshot.py says how the rest is compared).
"""

from pathlib import Path

from testkit.bilingual import message
from testkit.checks import Api
from testkit.snapshot import check_exercise_operations_carry_only_their_tag, check_matches_snapshot

SNAPSHOT = Path(__file__).with_name("openapi.json")


def test_openapi_schema_matches_snapshot(api: Api) -> None:
    response = api.get("/openapi.json")
    api.expect(
        response,
        200,
        hint=message(
            "The app serves its OpenAPI schema.", "앱이 OpenAPI 스키마를 제공해야 합니다."
        ),
    )
    check_matches_snapshot(response.json(), SNAPSHOT)


def test_exercise_operations_carry_only_the_exercises_tag(api: Api) -> None:
    check_exercise_operations_carry_only_their_tag(api.get("/openapi.json").json())
