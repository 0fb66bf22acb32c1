"""Every generation is stored with SQLModel: the "web single" pattern's database layer.

All functions here block (SQLite does file I/O), so the routes call them through a thread
(`run_in_threadpool`), and the worker thread calls them directly.
"""

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, make_url
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from generator import Completion
from schemas import GenerateRequest


class Generation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default="queued", index=True)
    prompt: str
    max_new_tokens: int
    temperature: float
    top_k: int | None = None
    seed: int | None = None
    model: str
    completion: str | None = None
    tokens: int | None = None
    finish_reason: str | None = None
    latency_ms: float | None = None
    error: str | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def create_db_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # The worker thread and the thread pool share the engine; each call has its own session.
    connect_args = {"check_same_thread": False} if parsed.get_backend_name() == "sqlite" else {}
    engine = create_engine(url, connect_args=connect_args)
    SQLModel.metadata.create_all(engine)
    return engine


def result_fields(result: Completion) -> dict[str, object]:
    return {
        "completion": result.text,
        "tokens": result.tokens,
        "finish_reason": result.finish_reason,
        "latency_ms": result.latency_ms,
        "seed": result.seed,
    }


class GenerationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_queued(self, request: GenerateRequest, model: str) -> Generation:
        return self._insert(Generation(status="queued", model=model, **request.model_dump()))

    def add_finished(self, request: GenerateRequest, model: str, result: Completion) -> Generation:
        values = request.model_dump() | result_fields(result)
        return self._insert(Generation(status="done", model=model, **values))

    def mark_running(self, generation_id: int) -> None:
        self._update(generation_id, status="running")

    def mark_done(self, generation_id: int, result: Completion) -> None:
        self._update(generation_id, status="done", **result_fields(result))

    def mark_failed(self, generation_id: int, error: str) -> None:
        self._update(generation_id, status="failed", error=error)

    def remove(self, generation_id: int) -> None:
        with Session(self.engine) as session:
            row = session.get(Generation, generation_id)
            if row is not None:
                session.delete(row)
                session.commit()

    def get(self, generation_id: int) -> Generation | None:
        with Session(self.engine) as session:
            return session.get(Generation, generation_id)

    def newest(self, skip: int, limit: int) -> list[Generation]:
        query = select(Generation).order_by(col(Generation.id).desc()).offset(skip).limit(limit)
        with Session(self.engine) as session:
            return list(session.exec(query))

    def fail_unfinished(self, reason: str) -> None:
        """Mark jobs that will never finish (queued or running when the server stopped)."""
        unfinished = select(Generation).where(col(Generation.status).in_(["queued", "running"]))
        with Session(self.engine) as session:
            rows = list(session.exec(unfinished))
            for row in rows:
                row.status, row.error = "failed", reason
            session.commit()

    # BEGIN SOLUTION
    def counts(self) -> dict[str, int]:
        query = select(Generation.status, func.count()).group_by(Generation.status)
        with Session(self.engine) as session:
            return {status: count for status, count in session.exec(query)}

    # END SOLUTION
    def _insert(self, row: Generation) -> Generation:
        with Session(self.engine) as session:
            session.add(row)
            session.commit()
            session.refresh(row)
        return row

    def _update(self, generation_id: int, **values: object) -> None:
        with Session(self.engine) as session:
            row = session.get(Generation, generation_id)
            if row is not None:
                for name, value in values.items():
                    setattr(row, name, value)
                session.commit()
