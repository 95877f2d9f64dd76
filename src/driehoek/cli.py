"""The `driehoek` command line: thin wrappers around the functions the web uses.

Exit codes: 0 success, 1 data rejected (syntax, SHACL, conflict) or operation failed, 2 usage error.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import formats, queries
from .config import Settings, describe
from .errors import DriehoekError, Forbidden, ValidationFailed
from .service import Driehoek, Source

EXIT_REJECTED, EXIT_USAGE = 1, 2


def _agent() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextmanager
def _service(ctx: click.Context) -> Iterator[Driehoek]:
    try:
        service = Driehoek(ctx.obj["settings"])
    except DriehoekError as err:
        _fail(err.message, EXIT_USAGE)
    try:
        yield service
    except formats.UnknownFormat as err:
        _fail(str(err), EXIT_USAGE)
    except Forbidden as err:
        _fail(err.message, EXIT_USAGE)
    except ValidationFailed as err:
        click.echo(err.report.to_text(), err=True, nl=False)
        _fail(err.message, EXIT_REJECTED)
    except DriehoekError as err:
        _fail(err.message, EXIT_REJECTED)
    finally:
        service.close()


def _fail(message: str, code: int) -> None:
    click.echo(f"driehoek: error: {message}", err=True)
    sys.exit(code)


@contextmanager
def _progress(total: int | None, desc: str, unit: str = "B") -> Iterator[Callable[[int], None] | None]:
    """A tqdm bar on a terminal; nothing when stderr is piped."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=desc, unit=unit, unit_scale=True, unit_divisor=1024, leave=False) as bar:
        yield bar.update


class _Group(click.Group):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Environment"):
            formatter.write_dl([(name, f"{help} (default: {default or 'empty'})") for name, default, help in describe()])


@click.group(cls=_Group)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the store lives (overrides DRIEHOEK_DATA_DIR).")
@click.option("--base-iri", default=None, help="Base of minted IRIs (overrides DRIEHOEK_BASE_IRI).")
@click.version_option(package_name="driehoek")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, base_iri: str | None) -> None:
    """driehoek: a knowledge graph of Dutch public governance."""
    try:
        settings = Settings.from_env(data_dir=data_dir, base_iri=base_iri)
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    ctx.obj = {"settings": settings}


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Load the bundled ontology, shapes and data into an empty store (does nothing otherwise)."""
    with _service(ctx) as service:
        loaded = service.init(progress=_announce if sys.stderr.isatty() else None)
        if loaded:
            click.echo(f"initialised {service.settings.store_label}: {loaded} triples", err=True)
        else:
            click.echo(f"{service.settings.store_label} already holds data; nothing loaded", err=True)


def _announce(name: str) -> None:
    click.echo(f"  loading {name}", err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--graph", help="Load into this named graph (one file only) instead of {base}graph/{file stem}.")
@click.option("--replace", is_flag=True, help="Replace the graph if it exists.")
@click.option("--format", "format_name", help="RDF format, when the file extension does not say it.")
@click.option("--trusted", is_flag=True,
              help="Skip the SHACL gate and stream with bounded memory (large dumps, generated data).")
@click.pass_context
def load(ctx: click.Context, files: tuple[Path, ...], graph: str | None, replace: bool,
         format_name: str | None, trusted: bool) -> None:
    """Load FILES, each into its own named graph, through the SHACL gate: all or nothing."""
    if graph and len(files) > 1:
        raise click.UsageError("--graph takes one file; load several files into their own graphs")
    with _service(ctx) as service:
        fmt = formats.by_name(format_name, formats.RDF_FORMATS) if format_name else None
        sources = [Source.from_path(path, fmt) for path in files]
        targets = [service.graph_iri(graph) if graph else service.default_graph_for(s.name) for s in sources]
        mode = "replace" if replace else "create"
        total = sum(s.size() for s in sources)
        with _progress(total, "loading") as progress:
            if trusted:
                for source, target in zip(sources, targets, strict=True):
                    outcome = service.load_trusted(source, target, agent=_agent(), mode=mode, progress=progress)
                    _print_outcome(outcome.commit.graphs if outcome.commit else {})
                return
            outcome = service.load(list(zip(sources, targets, strict=True)), agent=_agent(), mode=mode,
                                   progress=progress)
        for report in outcome.reports:
            if report.warnings:
                click.echo(report.to_text(), err=True, nl=False)
        _print_outcome(outcome.commit.graphs if outcome.commit else {})


def _print_outcome(graphs: dict[str, int]) -> None:
    for iri, count in graphs.items():
        click.echo(f"loaded {count} triples into <{iri}>")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "format_name", help="RDF format, when the file extension does not say it.")
@click.option("--report", "report_format", type=click.Choice(["text", "json", "turtle"]), default="text",
              show_default=True, help="How to print the report.")
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...], format_name: str | None, report_format: str) -> None:
    """Run the SHACL gate on FILES as a dry run: exit 0 if they would load, 1 if not."""
    with _service(ctx) as service:
        fmt = formats.by_name(format_name, formats.RDF_FORMATS) if format_name else None
        reports = service.validate_sources([Source.from_path(p, fmt) for p in files])
    for report in reports:
        if report_format == "json":
            click.echo(__import__("json").dumps(report.to_json(), ensure_ascii=False, indent=2))
        elif report_format == "turtle":
            click.echo(report.to_turtle())
        else:
            click.echo(report.to_text(), nl=False)
    if not all(r.conforms for r in reports):
        sys.exit(EXIT_REJECTED)


@main.command()
@click.argument("text", required=False)
@click.option("--name", help="Run a named query from queries/.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Bind a named query's parameter.")
@click.option("--list", "list_names", is_flag=True, help="List the named queries.")
@click.option("--format", "format_name", default=None,
              help="Result format: tsv, csv, json, xml for SELECT/ASK; turtle, ntriples, ... for graphs.")
@click.pass_context
def query(ctx: click.Context, text: str | None, name: str | None, params: tuple[str, ...],
          list_names: bool, format_name: str | None) -> None:
    """Run a SPARQL query (TEXT, @file.rq or --name) on the public graphs of the newest snapshot."""
    if list_names:
        for named in queries.all_queries().values():
            click.echo(f"{named.name}\t{named.title}")
        return
    if bool(text) == bool(name):
        raise click.UsageError("give a query TEXT (or @file.rq) or --name NAME, not both")
    bindings: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"--param takes NAME=VALUE, got {item!r}")
        bindings[key] = value
    with _service(ctx) as service:
        substitutions: dict[Any, Any] = {}
        if name:
            named = queries.get(name)
            sparql, substitutions = named.text, named.substitutions(bindings)
        elif text and text.startswith("@"):
            path = Path(text[1:])
            if not path.is_file():
                raise click.UsageError(f"{path}: no such file")
            sparql = path.read_text("utf-8")
        else:
            sparql = text or ""
        from .sparql import run_local_query

        run_local_query(service, sparql, substitutions, format_name, sys.stdout.buffer)


@main.command("report")
@click.option("--year", type=int, required=True, help="The year to report on.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True, help="Language of the report.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.html or FILE.pdf; FILE.json and FILE.csv (the data) are written next to it.")
@click.option("--site", metavar="URL", help="Server the report links to (default: the base IRI).")
@click.pass_context
def report_command(ctx: click.Context, year: int, lang: str, out: Path | None, site: str | None) -> None:
    """Write the year's report ("Staat van de Uitvoering"): HTML to standard output, or --out FILE."""
    import json

    from . import report

    if out is not None and out.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise click.UsageError(f"--out {out}: give a file ending in .html or .pdf")
    announce = (lambda name: click.echo(f"  running {name}", err=True)) if sys.stderr.isatty() else None
    with _service(ctx) as service:
        built = report.report_for_year(service, year, progress=announce)
        links = report.Links(service.settings.base_iri, site)
        if out is None:
            sys.stdout.write(report.render_html(built, lang, links))
            sys.stdout.flush()
            return
        data = {".json": json.dumps(built.to_json(), ensure_ascii=False, indent=1) + "\n", ".csv": built.to_csv()}
        try:
            if out.suffix.lower() == ".pdf":
                if announce:
                    announce("PDF (WeasyPrint)")
                out.write_bytes(report.render_pdf(built, lang, links))
            else:
                alternates = {suffix.lstrip("."): out.with_suffix(suffix).name for suffix in data}
                out.write_text(report.render_html(built, lang, links, alternates=alternates), "utf-8")
            for suffix, text in data.items():
                out.with_suffix(suffix).write_text(text, "utf-8", newline="")
        except OSError as err:
            _fail(f"cannot write {err.filename or out}: {err.strerror or err}", EXIT_REJECTED)
        click.echo(f"wrote {out}, {out.with_suffix('.json')}, {out.with_suffix('.csv')}", err=True)


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of standard output.")
@click.option("--format", "format_name", default="nquads", show_default=True, help="nquads or trig (or a graph format with --graph).")
@click.option("--graph", help="Dump only this graph.")
@click.pass_context
def dump(ctx: click.Context, out: Path | None, format_name: str, graph: str | None) -> None:
    """Dump the whole dataset (every graph, private ones too: this is the stewards' dump)."""
    with _service(ctx) as service:
        fmt = formats.by_name(format_name, formats.RDF_FORMATS)
        if not fmt.is_dataset and not graph:
            raise click.UsageError(f"{fmt.name} holds one graph; use nquads or trig, or --graph")
        service.dump(out if out else sys.stdout.buffer, fmt, graph)
        sys.stdout.flush()


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def backup(ctx: click.Context, directory: Path) -> None:
    """Write a consistent backup of the store into DIRECTORY (which must not exist)."""
    with _service(ctx) as service:
        service.backup(directory)
        click.echo(f"backup written to {directory}", err=True)


@main.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.pass_context
def restore(ctx: click.Context, source: Path) -> None:
    """Restore a backup DIRECTORY or an N-Quads/TriG dump into an empty data directory."""
    with _service(ctx) as service:
        size = source.stat().st_size if source.is_file() else None
        with _progress(size, "restoring") as progress:
            count = service.restore(source, agent=_agent(), progress=progress)
        click.echo(f"restored {count} quads into {service.settings.store_label}", err=True)


@main.group()
def token() -> None:
    """Manage the bearer tokens writers use (stored as salted hashes)."""


@token.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True,
              help="An admin's token: every graph, and dataset-wide operations (DROP ALL, a whole-dataset PUT).")
@click.option("--scope", "scopes", multiple=True, metavar="PREFIX",
              help="A graph IRI prefix the steward's token may write (repeatable; none: every writable graph).")
@click.pass_context
def token_add(ctx: click.Context, name: str, admin: bool, scopes: tuple[str, ...]) -> None:
    """Create a token for NAME and print it alone on standard output (shown only once).

    Name it after a role or an organisation (steward-bzk), never a person: the name is shown
    publicly as who withdrew a case. A token is a steward's unless --admin; --scope limits a
    steward's token to graphs whose IRI starts with PREFIX."""
    from .tokens import TokenStore

    try:
        click.echo(TokenStore(ctx.obj["settings"].data_dir).add(name, admin=admin, scopes=scopes))
    except DriehoekError as err:
        _fail(err.message, EXIT_USAGE)


@token.command("list")
@click.pass_context
def token_list(ctx: click.Context) -> None:
    """List tokens: name, id, role, created, revoked, scopes (never the secret)."""
    from .tokens import TokenStore

    for record in TokenStore(ctx.obj["settings"].data_dir).list():
        scopes = " ".join(record.scopes) or "all graphs"
        click.echo(f"{record.name}\t{record.id}\t{record.role}\t{record.created}\t{record.revoked or 'active'}"
                   f"\t{scopes}")


@token.command("revoke")
@click.argument("name")
@click.pass_context
def token_revoke(ctx: click.Context, name: str) -> None:
    """Revoke the active token(s) named NAME."""
    from .tokens import TokenStore

    try:
        count = TokenStore(ctx.obj["settings"].data_dir).revoke(name)
    except DriehoekError as err:
        _fail(err.message, EXIT_REJECTED)
    click.echo(f"revoked {count} token(s) named {name}", err=True)


def _release_version(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from . import release

    if not release.VERSION.fullmatch(value):
        raise click.BadParameter(f"{value!r}: use letters, digits, dots and dashes (at most 40, starting and "
                                 "ending with a letter or digit), e.g. 2026.1 or 1.0.0")
    return value


@main.command("release")
@click.argument("version", callback=_release_version)
@click.option("--title", default="", help="A title for the release (default: the dataset's).")
@click.option("--date", "issued", type=click.DateTime(formats=["%Y-%m-%d"]), help="Issue date (default: today).")
@click.option("--licence", default="http://creativecommons.org/publicdomain/zero/1.0/", show_default=True,
              help="IRI of the data licence stated in the release.")
@click.pass_context
def release_command(ctx: click.Context, version: str, title: str, issued: Any, licence: str) -> None:
    """Freeze the public dataset as release VERSION under DATA_DIR/releases/ (also while the server runs):
    N-Quads and TriG (gzip) with SHA256SUMS, a DCAT description, CITATION.cff and BibTeX."""
    from . import release

    announce = (lambda text: click.echo(f"  {text}", err=True)) if sys.stderr.isatty() else None
    with _service(ctx) as service:
        view = service.view()
        made = release.make_release(view.reader, view.withdrawn, service.settings.data_dir,
                                    service.settings.base_iri, version, issued=issued.date() if issued else None,
                                    title=title, licence=licence, progress=announce)
        click.echo(f"release {made.version}: {made.triples} triples in {made.graphs} graphs, written to {made.directory}",
                   err=True)
        for name, info in sorted(made.files.items()):
            click.echo(f"{info['sha256']}  {name}")


@main.command("import-roo")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("data/organisations/roo.ttl.gz"), show_default=True, help="Where to write the Turtle.")
@click.option("--corrections", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("data/organisations/roo-corrections.yaml"), show_default=True,
              help="Curated corrections of the register (YAML); a missing file means none.")
@click.pass_context
def import_roo(ctx: click.Context, directory: Path, out: Path, corrections: Path) -> None:
    """Convert the ROO register (its organisaties/ folder of YAML files) into Turtle.

    Prints, per kind of register conflict, how many were found and how each was resolved (by rule,
    by correction, or left out)."""
    from .importers import roo

    settings: Settings = ctx.obj["settings"]
    bar: Any = None
    if sys.stderr.isatty():
        from tqdm import tqdm
        bar = tqdm(desc="importing", unit="record", leave=False)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.n = done
            bar.refresh()

    try:
        summary = roo.import_roo(directory, out, base_iri=settings.base_iri, progress=progress,
                                 corrections=corrections if corrections.is_file() else None)
    except roo.RooImportError as err:
        _fail(str(err), EXIT_REJECTED)
    finally:
        if bar is not None:
            bar.close()
    click.echo(f"wrote {out}: {summary}", err=True)
    click.echo("register conflicts: found / resolved by rule / by correction / left out", err=True)
    for kind, found, by_rule, by_correction, left_out in summary.conflicts:
        click.echo(f"  {found:5d} {by_rule:5d} {by_correction:5d} {left_out:5d}  {kind}", err=True)
    for stale in summary.stale_corrections:
        click.echo(f"  stale correction, not applied: {stale}", err=True)


@main.command()
@click.option("--host", default=None, help="Overrides DRIEHOEK_HOST.")
@click.option("--port", type=int, default=None, help="Overrides DRIEHOEK_PORT.")
@click.option("--threads", type=int, default=None, help="Overrides DRIEHOEK_THREADS.")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, threads: int | None) -> None:
    """Serve driehoek with waitress; initialises an empty store with the bundled data first."""
    import dataclasses

    settings: Settings = ctx.obj["settings"]
    settings = dataclasses.replace(settings, **{k: v for k, v in
                                                {"host": host, "port": port, "threads": threads}.items() if v is not None})
    from .server import run

    try:
        run(settings)
    except DriehoekError as err:
        _fail(err.message, EXIT_REJECTED)


if __name__ == "__main__":  # pragma: no cover
    main()
