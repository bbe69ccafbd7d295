#!/usr/bin/python3
"""Runs Almond notebooks' code cells with Ammonite and writes executed copies.

For each notebook: validate it (nbformat 4), write its code cells in order as one Ammonite script
(one block per cell, so that a cell's interp.load.cp applies to the cells after it), run it with
the notebook's folder as the working directory (as Jupyter starts a kernel), split the output back
into cells, and write an executed copy with every cell's text and HTML outputs. Fails, naming the
notebook and the cell, when a cell throws or does not compile, when a code cell shows nothing, or
when a notebook shows no HTML table or no SVG plot. Then renders each executed copy with
jupyter-nbconvert and screenshots it with headless chromium.

Almond's display API is `kernel.publish.html(...)`; Ammonite has no kernel, so the predef written
here defines `kernel.publish.html`, which prints the HTML on a marked line that this runner turns
into a text/html display output, as Almond would.

Exit codes: 0 ok, 1 a notebook failed, 3 a Debian package this needs is missing.
"""

import argparse
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HTML_MARK = "##shardscore-nb-html## "
END_MARK = "##shardscore-nb-cell-end## "

PREDEF = f"""
// Written by notebooks/run_notebooks.py: Almond's display call, for Ammonite (which has no kernel).
object kernel {{
  object publish {{
    def html(html: String): Unit =
      println("{HTML_MARK}" + java.util.Base64.getEncoder.encodeToString(html.getBytes("UTF-8")))
  }}
}}
"""

BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class NotebookFailure(Exception):
    pass


def missing(package, what):
    print(
        f"{what} is not installed: install the Debian package {package}"
        f" (apt-get install -y {package}, as .ci/run does)",
        file=sys.stderr,
    )
    sys.exit(3)


def import_nbformat():
    try:
        import nbformat  # noqa: PLC0415
    except ImportError:
        missing("python3-nbformat", "nbformat (Python module)")
    return nbformat


def artifacts(classpath_file):
    """(group, artifact) -> version for every Maven-repository jar on a classpath file."""
    found = {}
    for entry in Path(classpath_file).read_text().strip().split(os.pathsep):
        m = re.search(r"repository/(.+)/([^/]+)/([^/]+)/[^/]+\.jar$", entry)
        if m:
            found[(m.group(1).replace("/", "."), m.group(2))] = m.group(3)
    return found


def check_versions_agree(ammonite_cp, spark_cp):
    """Ammonite's jars come first on the class path: each must be the version Spark's build uses."""
    for built in (ammonite_cp, spark_cp):
        if not Path(built).is_file():
            raise NotebookFailure(f"{built} does not exist: build first (mvn -q -DskipTests package)")
    amm, spark = artifacts(ammonite_cp), artifacts(spark_cp)
    differ = [
        f"{g}:{a} Ammonite {amm[(g, a)]}, spark-job {spark[(g, a)]}"
        for (g, a) in sorted(set(amm) & set(spark))
        if amm[(g, a)] != spark[(g, a)]
    ]
    if differ:
        raise NotebookFailure(
            "the Ammonite class path shadows other versions of spark-job's dependencies (pin them"
            " in notebooks/pom.xml):\n  " + "\n  ".join(differ)
        )
    library = amm.get(("org.scala-lang", "scala-library"))
    compiler = amm.get(("org.scala-lang", "scala-compiler"))
    if library is None or library != compiler:
        raise NotebookFailure(
            f"Ammonite's scala-library {library} and scala-compiler {compiler} differ (pin them in"
            " notebooks/pom.xml)"
        )
    return library, compiler


def script_of(code_cells):
    blocks = []
    for number, cell in code_cells:
        blocks.append(f"{cell.source}\nprintln(\"{END_MARK}{number}\")\n")
    return "\n@\n".join(blocks)


def outputs_of(text):
    """The display outputs of one cell's stdout, in order: stream text and text/html."""
    import nbformat  # noqa: PLC0415

    outputs, pending = [], []

    def flush():
        if pending:
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text="".join(pending)))
            pending.clear()

    for line in text.splitlines(keepends=True):
        if line.startswith(HTML_MARK):
            flush()
            html = base64.b64decode(line[len(HTML_MARK) :].strip()).decode("utf-8")
            outputs.append(
                nbformat.v4.new_output(
                    "display_data", data={"text/html": html, "text/plain": "<HTML>"}
                )
            )
        else:
            pending.append(line)
    flush()
    return outputs


def run_notebook(nb_path, args, nbformat):
    nb = nbformat.read(str(nb_path), as_version=4)
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as e:
        raise NotebookFailure(f"{nb_path.name} is not a valid nbformat 4 notebook: {e.message}")
    kernel = nb.metadata.get("kernelspec", {})
    if kernel.get("language") != "scala" or nb.metadata.get("language_info", {}).get("version", "")[:4] != "2.13":
        raise NotebookFailure(f"{nb_path.name}: kernel metadata is not Almond's Scala 2.13 ({kernel})")
    code_cells = [(i + 1, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if not code_cells:
        raise NotebookFailure(f"{nb_path.name} has no code cell")

    work = Path(tempfile.mkdtemp(prefix=nb_path.stem + "-", dir=args.out))
    (work / "predef.sc").write_text(PREDEF)
    script = work / (re.sub(r"[^A-Za-z0-9]", "_", nb_path.stem) + ".sc")
    script.write_text(script_of(code_cells))
    env = dict(os.environ)
    # Nothing is resolved at run time: a fresh coursier cache that must stay empty, offline mode.
    env["COURSIER_CACHE"] = str(work / "coursier-cache")
    env["COURSIER_MODE"] = "offline"
    command = (
        ["java"]
        + args.java_opts.split()
        + ["-cp", Path(args.ammonite_classpath).read_text().strip(), "ammonite.AmmoniteMain"]
        + ["--home", str(work / "ammonite-home"), "--no-home-predef"]
        + ["--predef", str(work / "predef.sc"), "--color", "false", str(script)]
    )
    try:
        proc = subprocess.run(
            command, cwd=nb_path.parent, env=env, capture_output=True, text=True, timeout=args.timeout
        )
    except subprocess.TimeoutExpired:
        raise NotebookFailure(f"{nb_path.name}: did not finish within {args.timeout} s (--timeout)")
    (work / "stdout.txt").write_text(proc.stdout)
    (work / "stderr.txt").write_text(proc.stderr)
    if any((work / "coursier-cache").rglob("*")):
        raise NotebookFailure(f"{nb_path.name}: something was downloaded into {work / 'coursier-cache'}")

    pieces = re.split(re.escape(END_MARK) + r"(\d+)\n", proc.stdout)
    done = {int(pieces[i]): pieces[i - 1] for i in range(1, len(pieces), 2)}
    count = 0
    failed = None
    for number, cell in code_cells:
        count += 1
        cell.execution_count = count
        if number in done:
            cell.outputs = outputs_of(done[number])
        elif failed is None:
            failed = number
            cell.outputs = outputs_of(pieces[-1]) + [
                nbformat.v4.new_output(
                    "error", ename="CellFailed", evalue=f"cell {number}", traceback=proc.stderr.splitlines()[-40:]
                )
            ]
        else:
            cell.execution_count = None
            cell.outputs = []
    executed = Path(args.out) / nb_path.name
    nbformat.write(nb, str(executed))
    if failed is not None or proc.returncode != 0:
        tail = "\n".join(proc.stderr.splitlines()[-40:])
        ordinal = [n for n, _ in code_cells].index(failed) + 1 if failed is not None else 0
        where = f"cell {failed} (code cell {ordinal})" if failed is not None else "after the last cell"
        raise NotebookFailure(
            f"{nb_path.name}: {where} failed (Ammonite exit {proc.returncode}); executed copy with"
            f" the error: {executed}\n{tail}"
        )

    try:
        nbformat.validate(nbformat.read(str(executed), as_version=4))
    except nbformat.ValidationError as e:
        raise NotebookFailure(f"the executed copy {executed} is not valid nbformat 4: {e.message}")
    for number, cell in code_cells:
        if not cell.outputs:
            raise NotebookFailure(f"{nb_path.name}: cell {number} ran but shows nothing")
    html = [o.data["text/html"] for _, c in code_cells for o in c.outputs if o.output_type == "display_data"]
    if not any("<table" in h for h in html):
        raise NotebookFailure(f"{nb_path.name}: no cell shows an HTML table")
    if not any("<svg" in h for h in html):
        raise NotebookFailure(f"{nb_path.name}: no cell shows an SVG plot")
    shutil.rmtree(work / "ammonite-home", ignore_errors=True)
    return executed


def render(executed, args):
    nbconvert = shutil.which("jupyter-nbconvert")
    if nbconvert is None:
        missing("jupyter-nbconvert", "jupyter-nbconvert")
    proc = subprocess.run(
        [nbconvert, "--to", "html", "--output-dir", str(args.out), str(executed)],
        capture_output=True,
        text=True,
    )
    page = executed.with_suffix(".html")
    if proc.returncode != 0 or not page.exists():
        raise NotebookFailure(f"jupyter-nbconvert failed on {executed}:\n{proc.stderr}")
    text = page.read_text()
    if "<svg" not in text or "<table" not in text:
        raise NotebookFailure(f"{page} lacks the notebook's table or plot")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        missing("chromium", "chromium")
    shot = Path(args.out) / (executed.stem + ".png")
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=args.out)
    # The page is as long as the notebook: its metadata may say how much of it the screenshot shows.
    nb = import_nbformat().read(str(executed), as_version=4)
    height = nb.metadata.get("shardscore", {}).get("screenshot_height", args.shot_height)
    proc = subprocess.run(
        [browser]
        + BROWSER_FLAGS
        + [
            f"--user-data-dir={profile}",
            "--hide-scrollbars",
            f"--window-size=1100,{height}",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    shutil.rmtree(profile, ignore_errors=True)
    if proc.returncode != 0 or not shot.exists() or shot.stat().st_size < 10_000:
        raise NotebookFailure(f"chromium did not screenshot {page}:\n{proc.stderr[-2000:]}")
    if args.docs:
        Path(args.docs).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(args.docs) / shot.name)
    return shot


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--ammonite-classpath", required=True, help="file with Ammonite's class path")
    parser.add_argument("--spark-classpath", required=True, help="spark-job/target/launcher-classpath.txt")
    parser.add_argument("--java-opts", default="-Xmx2g")
    parser.add_argument("--out", required=True, help="folder for the executed copies, pages and screenshots")
    parser.add_argument("--docs", help="also copy the screenshots here (notebooks/docs)")
    parser.add_argument("--no-render", action="store_true", help="skip nbconvert and chromium")
    parser.add_argument("--shot-height", type=int, default=3000)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per notebook")
    args = parser.parse_args()
    nbformat = import_nbformat()
    if not args.no_render:
        # Checked before any notebook runs, so that a missing package fails at once.
        if shutil.which("jupyter-nbconvert") is None:
            missing("jupyter-nbconvert", "jupyter-nbconvert")
        if not (shutil.which("chromium") or shutil.which("chromium-browser")):
            missing("chromium", "chromium")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    try:
        library, compiler = check_versions_agree(args.ammonite_classpath, args.spark_classpath)
        print(f"Ammonite class path: scala-library {library}, scala-compiler {compiler}, agrees with spark-job's")
        for nb_path in args.notebooks:
            started = time.monotonic()
            executed = run_notebook(nb_path.resolve(), args, nbformat)
            seconds = time.monotonic() - started
            print(f"{nb_path.name}: every cell ran ({seconds:.0f} s); executed copy {executed}")
            if not args.no_render:
                print(f"{nb_path.name}: rendered and screenshotted: {render(executed, args)}")
    except NotebookFailure as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
