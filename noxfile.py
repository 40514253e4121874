"""Developer sessions: tests, examples, lint, typecheck, docs, bench."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "examples", "lint", "typecheck", "docs"]


@nox.session(python=["3.10", "3.11", "3.12", "3.13"])
def tests(session: nox.Session) -> None:
    """The whole test suite, on every supported Python that is installed."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def examples(session: nox.Session) -> None:
    """The example suite in examples/."""
    session.install("-e", ".[test]")
    session.run("pytest", "examples", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and format check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


#: The benchmark scripts: checked too, though no test runs them (a changed signature
#: in timing.py once broke profile_fake.py unnoticed).
BENCHMARK_SCRIPTS = [
    f"benchmarks/{name}.py"
    for name in (
        "bench", "compare", "instructions", "sweep", "state_scaling", "timing", "shared",
        "profile_fake", "toy_fake",
    )
]  # fmt: skip


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package, this file and the benchmark scripts."""
    session.install("-e", ".[test]", "mypy", "nox", "botocore-stubs")
    session.run("mypy", "--strict")
    # The scripts import each other as siblings (benchmarks/ is on sys.path when they run).
    session.run("mypy", "--strict", *BENCHMARK_SCRIPTS, env={"MYPYPATH": "benchmarks"})


@nox.session
def docs(session: nox.Session) -> None:
    """Build the MkDocs site, warnings as errors."""
    session.install("-e", ".", "mkdocs")
    session.run("python", "scripts/generate_docs.py", "--check")
    session.run("mkdocs", "build", "--strict", "--site-dir", "build/site")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against botocore's floor and moto; writes benchmarks/results.md."""
    session.install("-e", ".[test]")
    session.run("python", "benchmarks/bench.py", *session.posargs)


@nox.session
def sweep(session: nox.Session) -> None:
    """Every implemented operation against botocore's floor; writes benchmarks/sweep.md."""
    session.install("-e", ".[test]")
    session.run("python", "benchmarks/sweep.py", *session.posargs)


@nox.session
def state_scaling(session: nox.Session) -> None:
    """Per-call cost against the size of the state; writes benchmarks/state_scaling.md."""
    session.install("-e", ".[test]")
    session.run("python", "benchmarks/state_scaling.py", *session.posargs)
