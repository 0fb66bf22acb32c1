"""What every chapter's tests share: the app host, the checks a beginner can read, snapshots.

On pytest's `pythonpath` (pyproject.toml), so a chapter's tests write `from testkit import ...`.
No chapter's app imports it: it is test code only.
"""
