"""The course website's pages that are made from the notebooks (tools/build_site.py uses them).

- glossary: the EN/中文 tables at the end of every lecture (and lecture 00's), merged into one
  alphabetical table that links each term to the lectures that use it;
- notation: lecture 00's sections on notation and the crosswalk, as a notebook page of their own;
- the home page's lecture and homework tables and its tables of contents.

Tables are read with markdown-it (the parser under MyST), so a cell holding `|` in code or maths
is read as the site will show it.
"""
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from markdown_it import MarkdownIt

GLOSSARY_HEADING = re.compile(r"^#{2,3}\s+Glossary\b", re.IGNORECASE)
LECTURE_NUMBER = re.compile(r"^(\d\d)")
MD = MarkdownIt("commonmark").enable("table")


def read_notebook(path: Path):
    path = Path(path)
    if path.suffix != ".ipynb":
        raise ValueError(f"expected a notebook (.ipynb), got {path}")
    return nbformat.read(path, as_version=4)


def notebook_title(path: Path) -> str:
    """The text of a notebook's first level-1 heading."""
    for cell in read_notebook(path).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError(f"{path} has no level-1 heading (# Title) to name its page")


def short_title(title: str) -> str:
    """A page's name in the navigation: its title up to the first colon ("03 · The simple recurrent network (SRN)")."""
    return title.split(":", 1)[0].strip()


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every table in a markdown text, as rows of cells (the header row first), each cell's markdown source
    with escaped pipes unescaped (`\\|` in the text is `|` here)."""
    tables, rows, row = [], None, None
    for token in MD.parse(text):
        if token.type == "table_open":
            rows = []
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(token.content.strip())
        elif token.type == "tr_close":
            rows.append(row)
            row = None
        elif token.type == "table_close":
            tables.append(rows)
            rows = None
    return tables


@dataclass
class Term:
    english: str
    chinese: list[str] = field(default_factory=list)
    meaning: str = ""
    lectures: list[str] = field(default_factory=list)   # notebook stems, in course order


def glossary_rows(notebook: Path) -> list[dict]:
    """The rows of a notebook's glossary tables, as dicts keyed by the lower-cased header."""
    rows = []
    for cell in read_notebook(notebook).cells:
        if cell.cell_type != "markdown" or not GLOSSARY_HEADING.match(cell.source.lstrip()):
            continue
        for table in markdown_tables(cell.source):
            header = [h.lower() for h in table[0]]
            rows += [dict(zip(header, r)) for r in table[1:]]
    return rows


def _key(english: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", english.lower()).strip()


def merge_glossaries(notebooks) -> list[Term]:
    """One alphabetical list of terms from the glossaries of the notebooks (given in course order).

    A term is the same when its English reads the same ignoring case and punctuation; its Chinese
    renderings and its lectures are collected, its meaning is the first one given. Lecture 00's
    table says in its "where" column which lecture a term belongs to."""
    notebooks = [Path(nb) for nb in notebooks]
    stems = {}                                     # lecture number -> its first notebook ("04" -> 04_bptt)
    for nb in notebooks:
        if LECTURE_NUMBER.match(nb.stem):
            stems.setdefault(LECTURE_NUMBER.match(nb.stem).group(1), nb.stem)
    terms: dict[str, Term] = {}
    for nb in notebooks:
        for row in glossary_rows(nb):
            english = row.get("english", "")
            if not english:
                continue
            term = terms.setdefault(_key(english), Term(english))
            chinese = row.get("中文", "")
            if chinese and chinese not in term.chinese:
                term.chinese.append(chinese)
            meaning = row.get("meaning here") or row.get("meaning") or ""
            term.meaning = term.meaning or meaning
            where = [stems[n] for n in re.findall(r"\d\d", row.get("where", "")) if n in stems] or [nb.stem]
            term.lectures += [w for w in where if w not in term.lectures]
    order = {nb.stem: i for i, nb in enumerate(notebooks)}
    for term in terms.values():
        term.lectures.sort(key=order.get)
    return sorted(terms.values(), key=lambda t: _key(t.english))


def _cell(text: str) -> str:
    """A table cell's markdown on one line, its pipes escaped again (markdown-it hands them over unescaped;
    a table row splits on every unescaped pipe, even in code or maths)."""
    return text.replace("\n", " ").replace("|", "\\|")


def lecture_labels(stems) -> dict[str, str]:
    """Short link texts for notebooks: the lecture number, and for a second notebook of the same lecture
    the rest of its name ("04", "04 lab" for 04_bptt and 04_bptt_lab)."""
    labels = {}
    for stem in stems:
        number = LECTURE_NUMBER.match(stem)
        labels[stem] = number.group(1) if number else stem
        base = next((other for other in stems if other != stem and stem.startswith(other + "_")), None)
        if number and base:
            labels[stem] += " " + stem[len(base) + 1:].replace("_", " ")
    return labels


def glossary_page(notebooks, link_prefix: str = "notebooks/") -> str:
    """The glossary page (MyST markdown): one table, every term once."""
    terms = merge_glossaries(notebooks)
    if not terms:
        raise ValueError("no glossary table found in the notebooks (a '## Glossary' cell with a table)")
    lines = [
        "# Glossary English / 中文", "",
        (f"All {len(terms)} terms of the lectures' glossaries, in alphabetical order. The Chinese terms are "
         "those of the source notes and of the Chinese edition of d2l (lecture 00 says which); where the "
         "lectures give several, all are listed. *Lectures* links to the lectures that use a term."), "",
        "| English | 中文 | meaning here | lectures |", "|---|---|---|---|",
    ]
    labels = lecture_labels([Path(nb).stem for nb in notebooks])
    for t in terms:
        links = ", ".join(f"[{labels[s]}]({link_prefix}{s}.ipynb)" for s in t.lectures)
        lines.append(f"| {_cell(t.english)} | {_cell('; '.join(t.chinese))} | {_cell(t.meaning)} | {links} |")
    return "\n".join(lines) + "\n"


def _heading(cell) -> str | None:
    first = cell.source.lstrip().splitlines()[0] if cell.cell_type == "markdown" and cell.source.strip() else ""
    return first if first.startswith("## ") else None


def notation_notebook(overview: Path, first: str = "Notation", last: str = "Crosswalk"):
    """Lecture 00's sections from the one whose heading contains `first` through the one containing `last`,
    as a notebook of their own (outputs kept), under a title; the set-up cell comes along, hidden, so
    that the downloaded page runs too."""
    nb = read_notebook(overview)
    cells, inside, seen_last = [], False, False
    for cell in nb.cells:
        heading = (_heading(cell) or "").lower()
        if heading and seen_last and last.lower() not in heading:
            break
        if heading and first.lower() in heading:
            inside = True
        if heading and inside and last.lower() in heading:
            seen_last = True
        if inside:
            cells.append(copy.deepcopy(cell))
    setup = next((c for c in nb.cells if c.cell_type == "code"), None)
    if not cells:
        raise ValueError(f"{overview} has no '## ...{first}...' section")
    intro = nbformat.v4.new_markdown_cell(
        "# Notation and crosswalk\n\nThe symbols every lecture uses, and the same network written in the "
        f"symbols of each source note and of PyTorch: sections of lecture 00 ([{notebook_title(overview)}]"
        f"(notebooks/{Path(overview).stem}.ipynb)), with its checks.")
    out = copy.deepcopy(nb)
    out.cells = [intro, *cells]
    if setup is not None:
        hidden_setup = copy.deepcopy(setup)
        hidden_setup.metadata.setdefault("tags", []).append("remove-cell")
        out.cells.insert(1, hidden_setup)
    return out


def contents_tables(lectures, homework) -> tuple[str, str]:
    """The home page's lecture table and homework table (MyST markdown), with page and download links."""
    def table(paths, label):
        rows = [f"| {label} | download |", "|---|---|"]
        for p in paths:
            p = Path(p)
            rows.append(f"| [{notebook_title(p)}]({p.parent.name}/{p.name}) "
                        f"| {{download}}`{p.name} <{p.parent.name}/{p.name}>` |")
        return "\n".join(rows)
    return table(lectures, "lecture"), table(homework, "homework set")


def toctrees(lectures, homework, reference_pages) -> str:
    """The hidden tables of contents that make the book's navigation, in course order, with short titles."""
    def tree(caption, entries):
        return "\n".join(["```{toctree}", f":caption: {caption}", ":hidden:", "", *entries, "```"])

    def entries(paths):
        return [f"{short_title(notebook_title(p))} <{Path(p).parent.name}/{Path(p).stem}>" for p in paths]
    return "\n\n".join([tree("Lectures", entries(lectures)), tree("Homework", entries(homework)),
                          tree("Look up", list(reference_pages))])


def home_page(template: str, lectures, homework, reference_pages) -> str:
    """site/index.md with its {{ lectures }}, {{ homework }} and {{ toctrees }} filled in."""
    for slot in ("{{ lectures }}", "{{ homework }}", "{{ toctrees }}"):
        if slot not in template:
            raise ValueError(f"the home page template lacks the slot {slot}")
    lecture_table, homework_table = contents_tables(lectures, homework)
    return (template.replace("{{ lectures }}", lecture_table).replace("{{ homework }}", homework_table)
            .replace("{{ toctrees }}", toctrees(lectures, homework, reference_pages)))
