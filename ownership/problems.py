"""Problems found in input data, reported all together with file, line and field.

An import validates the whole dataset first and writes nothing when any problem is found, so an
analyst fixes every problem in one go instead of one per run.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_REPORTED = 200  # beyond this, a summary count: the first problems are the useful ones


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one record."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class InvalidData(Exception):
    """The input has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(self.summary())

    def summary(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the input, nothing was imported"
        return f"{head}; first: {self.problems[0]}" if self.problems else head

    def report(self) -> str:
        """Every problem on its own line (capped), for a terminal."""
        lines = [str(problem) for problem in self.problems[:MAX_REPORTED]]
        if len(self.problems) > MAX_REPORTED:
            lines.append(f"… and {len(self.problems) - MAX_REPORTED} more")
        return "\n".join(lines)


class ProblemLog:
    """Collects problems while a source is read."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, line: int | None, field: str | None, message: str) -> None:
        self.problems.append(Problem(file, line, field, message))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InvalidData(self.problems)
