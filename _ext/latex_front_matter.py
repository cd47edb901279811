"""The landing page's sections become rubrics in the PDF, so chapter 1 is the first chapter.

In the HTML book the landing page needs real headings (they give it an "On this page" list).
The LaTeX builder inlines every chapter into the landing page's top section, so its headings
would be numbered chapters 1-4 ahead of the first real chapter. Only the LaTeX build changes,
and only at write time (``doctree-resolved``), so the shared doctree cache stays as read.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx


def _sections_as_rubrics(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "latex" or docname != app.config.root_doc:
        return
    for top in [n for n in doctree.children if isinstance(n, nodes.section)]:
        # Inlined chapters sit inside start_of_file nodes: only the landing page's own
        # sections are direct children of its top section.
        for section in [c for c in top.children if isinstance(c, nodes.section)]:
            if section.next_node(addnodes.start_of_file) is not None:
                continue
            title = section[0]
            rubric = nodes.rubric(title.rawsource, "", *title.children)
            section.replace_self([rubric, *section.children[1:]])


def setup(app: Sphinx) -> dict:
    app.connect("doctree-resolved", _sections_as_rubrics)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
