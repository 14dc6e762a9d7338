"""Homework tools: release exercises from solutions, and grade submissions robustly.

    python -m course_utils.grading release
    python -m course_utils.grading grade SUBMISSION.ipynb [--json FILE] [--csv FILE]
    python -m course_utils.grading export-gradescope hwNN -o autograder_hwNN.zip

Modules: `grade` (the grader, and warm workers for a folder), `release` (solutions → exercises),
`worker` (runs student code, one process per question), `sandbox` (the namespaces around it),
`transport` (data, never pickles, between the two), `spec` (how an assignment is graded),
`feedback` (what a wrong output's pattern says), `mutants` (plausible buggy submissions),
`paths` (where the course checkout is), `nbgrader_meta` (nbgrader v3 metadata and checksums),
`oracle` (the reference functions, served from a separate process), `hidden` (nbgrader's hidden tests),
`gradescope` (the autograder zip), `assignments/` (one spec per homework). Nothing is imported here, so the
student-side worker starts without the grader's dependencies.
"""
