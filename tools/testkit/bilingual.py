"""A failing check speaks the student's language: `message(english, korean)`.

Every text a check shows a student (its rule, what it expected) is written in both languages
at the place it is used, and the one the student reads is chosen as `make hint` and
`make progress` choose theirs (tools/messages.py: `COURSE_LANG`, the file a Korean student
edition holds, then the locale). tools/test_check_messages.py checks that every such text
has both, with the same fields.
"""

import messages


def message(english: str, korean: str) -> str:
    """The text in the student's language."""
    return korean if messages.language() == "ko" else english
