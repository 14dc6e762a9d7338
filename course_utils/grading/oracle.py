"""The reference versions of earlier answers, served to a student's process without their code.

    python -m course_utils.grading.oracle ASSIGNMENT QUESTION IN_FD OUT_FD

A question that builds on earlier answers (`Question.builds_on`) is graded a second time with
the reference versions of those functions in place of the student's. Their code must not enter
the student's process (a submission could read it there and print it in its own report), so
this separate process, started fresh by the question's supervisor before the sandbox closes,
loads them from solutions/ and answers calls: the student's process holds only stubs that send
the arguments as data (`transport`, never pickle) and get the results back as data.

Protocol on the pipes: first this process sends {"names": [...]} (the functions it serves), then
for every request {"name", "kwargs" names} with values "args" and "kwargs" it answers with the
value "result" or {"error": text}. It ends when its input closes.
"""
from __future__ import annotations

import importlib
import sys

from . import nbgrader_meta as meta
from . import transport
from .paths import course_root
from .worker import limit_memory, strip_magics


def _no_setup(*args, **kwargs):
    """The reference needs no seeding, threads or plot style, and skipping them saves importing torch."""
    import numpy as np

    return np.random.default_rng(0)


def reference_functions(spec, question) -> dict:
    """{name: function} defined by the solution cells that `question` builds on, run after the
    notebook's locked set-up cells in a namespace of their own."""
    import json

    import course_utils

    course_utils.setup = _no_setup
    cells = json.loads((course_root() / "solutions" / spec.notebook).read_text(encoding="utf-8"))["cells"]
    namespace: dict = {"__name__": "__main__"}
    served: dict = {}
    for cell in cells:
        m = meta.meta(cell)
        if cell.get("cell_type") != "code" or m.get("grade"):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if m.get("grade_id") in question.builds_on:
            before = set(namespace)
            exec(compile(strip_magics(source), f"<reference {m['grade_id']}>", "exec"), namespace)
            served.update({k: v for k, v in namespace.items() if k not in before and callable(v)})
        elif meta.is_locked(cell):
            exec(compile(strip_magics(source), f"<set-up {m.get('grade_id')}>", "exec"), namespace)
    return served


def serve(functions: dict, in_fd: int, out_fd: int) -> None:
    transport.send(out_fd, {"names": sorted(functions)}, {})
    while True:
        try:
            payload, values = transport.receive(in_fd)
        except EOFError:
            return
        name = payload.get("name")
        try:
            if name not in functions:
                raise NameError(f"no reference function {name!r}")
            args, kwargs = values.get("args", ()), values.get("kwargs", {})
            if any(isinstance(v, transport.Unsupported) for v in (*args, *kwargs.values())):
                raise TypeError("an argument of a type that cannot be passed on (numbers, arrays, and "
                                "tuples, lists and dicts of them only)")
            result = functions[name](*args, **kwargs)
            transport.send(out_fd, {}, {"result": result})
        except Exception as exc:  # the student's arguments may be anything: say what went wrong
            transport.send(out_fd, {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}, {})


def main(argv: list[str]) -> int:
    from . import sandbox

    assignment, q_index, in_fd, out_fd = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    sandbox.die_with_parent()
    limit_memory()
    spec = importlib.import_module(f"course_utils.grading.assignments.{assignment}").ASSIGNMENT
    try:
        functions = reference_functions(spec, spec.questions[q_index])
    except Exception:  # no reference to serve: the question is graded with the student's own functions
        functions = {}
    serve(functions, in_fd, out_fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
