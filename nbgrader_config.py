"""nbgrader's configuration for teaching the course on a JupyterHub with nbgrader (README: "Running the
course for a class"). nbgrader reads this file when it runs in this folder (the course checkout).

The course directory is nbgrader/ in the checkout (git ignores it):

    nbgrader/source/hw02/hw02_leaky_srn_bptt.ipynb   # a copy of solutions/hw02_leaky_srn_bptt.ipynb
    nbgrader/release/hw02/...                        # `nbgrader generate_assignment hw02`: equals exercises/
    nbgrader/submitted/<student>/hw02/...            # collected submissions
    nbgrader/autograded/, feedback/, gradebook.db    # `nbgrader autograde hw02`, `nbgrader generate_feedback hw02`

The test cells' hidden tests (removed from the release, put back by autograde) call the course grader's
checks on fresh inputs (course_utils.grading.hidden), which read the reference answers from solutions/ in
this checkout: COURSE_ROOT says where that is for the kernels nbgrader starts.
"""
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent

c = get_config()  # noqa: F821 (nbgrader defines get_config when it loads this file)
c.CourseDirectory.root = str(HERE / "nbgrader")
c.CourseDirectory.course_id = os.environ.get("NBGRADER_COURSE_ID", "rnn-course")
os.environ.setdefault("COURSE_ROOT", str(HERE))
# The stubs of the course's own release (course_utils/grading/release.py), so both releases are the same.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# A cell's limit when autograde runs a submission (the hidden checks of a question take a few seconds).
c.ExecutePreprocessor.timeout = 300
