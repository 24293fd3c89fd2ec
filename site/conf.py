"""Sphinx configuration of the static site (`make site`; tools/classroom.py stages
the notebooks into build/site-src/ and runs Sphinx with this folder as -c).

Offline by construction: notebooks are rendered from their stored outputs
(no execution), MathJax 2.7 is served from the site (_static/mathjax, npm's mathjax
2.7.9 from site/package-lock.json), the theme's scripts and fonts ship with the theme.
"""

from pathlib import Path

from myst_nb.core.render import NbElementRenderer

SRC = Path(__file__).resolve().parent.parent / "build" / "site-src"

project = "Batch Normalization, interactively"
author = "the collection's authors"
copyright = "the collection's authors, MIT licence"

extensions = ["myst_nb"]
nb_execution_mode = "off"  # the stored outputs, as committed
nb_ipywidgets_js = {}  # never load the widget manager (from a CDN)
nb_output_stderr = "remove"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]
exclude_patterns = ["_assets", "**/.ipynb_checkpoints"]

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static", str(SRC / "_assets")]
html_css_files = ["classroom.css"]
html_copy_source = False
html_show_sourcelink = False
html_show_sphinx = False
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
}

# MathJax 2.7, local: TeX in, CommonHTML out (as nbconvert's pages and the slides).
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
mathjax2_config = {
    # MyST marks sections tex2jax_ignore and its maths class="math": process those only
    "tex2jax": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
        "processClass": "tex2jax_process|mathjax_process|math|output_area",
    },
    "CommonHTML": {"linebreaks": {"automatic": True}},
    "messageStyle": "none",
}


# MyST-NB 1.4 takes width and height from an image output's metadata but not
# "alt"; the notebooks store alt text there (bnlib.notebook.viz), so carry it.
_render_image = NbElementRenderer.render_image


def _render_image_with_alt(self, data):
    result = _render_image(self, data)
    alt = data.output_metadata.get(data.mime_type, {}).get("alt")
    if alt:
        for node in result:
            node["alt"] = str(alt)
    return result


NbElementRenderer.render_image = _render_image_with_alt
