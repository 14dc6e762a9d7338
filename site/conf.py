"""Sphinx configuration of the course website (`make site`, tools/build_site.py).

Sphinx reads a staging folder that tools/build_site.py fills with copies of the committed notebooks
and the generated pages; this folder (site/) holds only the configuration, the home page's text, the
course's CSS and templates. Nothing is executed and nothing is loaded from another machine: MathJax 2
comes from the jupyter-server-mathjax package and is copied into the site by tools/site_ext.py.
"""
import os
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

# The course's public repository (GitHub or GitLab), for the "open an issue" links: course.toml holds it for
# every link to the repository; `make site REPOSITORY_URL=https://github.com/me/rnn-course` overrides it for one build.
REPOSITORY_URL = os.environ.get("REPOSITORY_URL") or tomllib.loads((ROOT / "course.toml").read_text())["repository_url"]

project = "Recurrent neural networks, derived, implemented and checked"
author = "the RNN course authors"
copyright = "the RNN course authors, MIT License"
language = "en"

extensions = ["myst_nb", "sphinx.ext.mathjax", "site_ext"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]

# --- notebooks: rendered as committed, never executed ------------------------------------------
nb_execution_mode = "off"
nb_ipywidgets_js = {}              # the stored notebooks hold no widget state; load no widget scripts
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
myst_dmath_double_inline = True   # $$...$$ inside a paragraph or list item, as Jupyter shows it
myst_update_mathjax = False        # myst-parser would write a MathJax 3/4 configuration; ours is MathJax 2

# --- maths: MathJax 2 from the site's own _static/mathjax/ (site_ext copies it there) ------------
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax_config_path = "mathjax_config.js"
mathjax_options = {"async": "async"}

# --- the book --------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "RNN course"
html_static_path = ["_static"]
html_css_files = ["course.css"]
templates_path = ["_templates"]
html_copy_source = True            # the notebook download buttons point into _sources/
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": REPOSITORY_URL,
    "use_issues_button": True,
    "use_download_button": True,
    "use_repository_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "navbar_persistent": [],
    "article_footer_items": ["report-issue.html"],
}
html_context = {"repository_url": REPOSITORY_URL}
