"""The stewards' write path: the Graph Store Protocol, SPARQL Update, withdrawal."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from .. import validation
from ..errors import (BadRequest, Forbidden, NotFound, PreconditionFailed, QueryTimeout,
                     ValidationFailed)
from ..iris import DH, XSD
from ..store import (Activity, CommitResult, GraphWrite, storage_error)
from ..store.layout import withdrawn_graphs
from ..tokens import Principal

CONTEXT = validation.CONTEXT_PREDICATES
from .sources import _TRIAL_UPDATE, LoadOutcome, Source

CONTEXT = validation.CONTEXT_PREDICATES


class Stewards:
    """The stewards' write path: the Graph Store Protocol, SPARQL Update, withdrawal."""

    def check_precondition(self, graph: ox.NamedNode | ox.DefaultGraph, if_match: str | None,
                           if_none_match: str | None = None) -> None:
        """If-Match / If-None-Match against the graph's current ETag (412 when they do not hold)."""
        exists = self.store.graph_exists(graph) and (
            isinstance(graph, ox.DefaultGraph) or self.store.etag(graph) != "" or self.store.triple_count(graph) > 0)
        current = self.store.etag(graph)
        if if_match is not None:
            wanted = [t.strip().removeprefix("W/").strip('"') for t in if_match.split(",")]
            if not exists or ("*" not in wanted and current not in wanted):
                raise PreconditionFailed(
                    f"the graph has changed since you read it (its ETag is now \"{current}\"); "
                    "read it again and reapply your change", etag=current)
        if if_none_match is not None and exists:
            wanted = [t.strip().removeprefix("W/").strip('"') for t in if_none_match.split(",")]
            if "*" in wanted or current in wanted:
                raise PreconditionFailed("the graph already exists (If-None-Match)", etag=current)

    def write_graph(self, graph: ox.NamedNode | ox.DefaultGraph, source: Source, *, mode: str, agent: str,
                    operation: str, if_match: str | None = None, if_none_match: str | None = None,
                    principal: Principal | None = None) -> tuple[bool, LoadOutcome]:
        """PUT (mode=replace) or POST (mode=merge) one graph through the gate; (created, outcome).
        `principal`: the token writing (None: the command line, which may write anything)."""
        with self.store.lock():
            owner = self.check_write(graph, principal)
            self.check_precondition(graph, if_match, if_none_match)
            created = not self.store.graph_exists(graph) or (
                isinstance(graph, ox.NamedNode) and self.store.triple_count(graph) == 0
                and self.store.etag(graph) == "")
            by_graph, report = self.prepare(source, graph, validate=False)
            if set(by_graph) - {graph.value if isinstance(graph, ox.NamedNode) else ""}:
                raise BadRequest("a Graph Store request writes one graph: send triples (Turtle, N-Triples, "
                                 "JSON-LD, RDF/XML), or TriG/N-Quads to /graph-store without ?graph")
            quads = [q for qs in by_graph.values() for q in qs]
            check = quads
            if mode == "merge":
                check = quads + list(self.store.quads(graph))
            key = graph.value if isinstance(graph, ox.NamedNode) else ""
            report = self._gate(check, {key}, source.name, self.visible_private_graphs(principal))
            if not report.conforms:
                raise ValidationFailed(f"{source.name}: {len(report.violations)} SHACL violation(s); "
                                       "nothing was written", report)
            activity = Activity(operation, agent, source.name, source.sha256(), report.outcome)
            commit = self._commit([GraphWrite(graph, mode, quads, owner=owner)], activity)
            if mode == "merge":
                self.store.fix_merge_counts([graph])
            self.store.publish_snapshot()
        return created, LoadOutcome(commit, [report])

    def write_dataset(self, source: Source, *, agent: str, operation: str,
                      principal: Principal | None = None) -> LoadOutcome:
        """PUT a TriG/N-Quads body: each named graph in it is replaced, all at once, through the gate.
        A dataset-wide operation: it needs an admin token."""
        if principal is not None and not principal.admin:
            raise Forbidden("a Graph Store request without ?graph writes the whole dataset: that needs an admin "
                            "token; write each graph with ?graph=IRI instead")
        with self.store.lock():
            by_graph, _ = self.prepare(source, ox.DefaultGraph(), validate=False)
            writes, reports = [], []
            for key, quads in by_graph.items():
                graph: ox.NamedNode | ox.DefaultGraph = self.graph_iri(key) if key else ox.DefaultGraph()
                owner = self.check_write(graph, principal)
                report = self._gate(quads, set(by_graph), f"{source.name} <{key}>",
                                    self.visible_private_graphs(principal))
                if not report.conforms:
                    raise ValidationFailed(f"graph <{key or 'DEFAULT'}>: {len(report.violations)} SHACL "
                                           "violation(s); nothing was written", report)
                reports.append(report)
                writes.append(GraphWrite(graph, "replace", quads, owner=owner))
            outcome = "warnings" if any(r.warnings for r in reports) else "conforms"
            commit = self._commit(writes, Activity(operation, agent, source.name, source.sha256(), outcome))
            self.store.publish_snapshot()
        return LoadOutcome(commit, reports)

    def delete_graph(self, graph: ox.NamedNode | ox.DefaultGraph, *, agent: str,
                     if_match: str | None = None, principal: Principal | None = None) -> CommitResult:
        """DELETE one graph (404 if there is none, or if it is another steward's private graph)."""
        with self.store.lock():
            self.check_write(graph, principal)
            if isinstance(graph, ox.NamedNode) and not self.store.graph_exists(graph):
                raise NotFound(f"no graph {graph.value}")
            self.check_precondition(graph, if_match)
            commit = self._commit([GraphWrite(graph, "delete")], Activity("delete", agent, validation="skipped"))
            self.store.publish_snapshot()
        return commit

    def run_update(self, sparql: str, *, agent: str, principal: Principal | None = None) -> LoadOutcome:
        """A SPARQL Update, tried on a copy first; the graphs it changes pass the gate, then land.
        The copy holds the public graphs and the private graphs `principal` may see (its own), so an
        update can neither read nor change another steward's; every graph it changes is checked
        against the principal's rights (system graphs are read-only, scopes hold)."""
        from ..sparql import check_update

        check_update(sparql)
        analysis = self.analyse_update(sparql)
        targets, wide, checked = set(analysis.targets), list(analysis.wide), analysis.error is None
        if analysis.error is None and validation.ALL_GRAPHS in targets and not wide:
            wide = ["a template writing GRAPH ?g (any graph)"]
        if wide and principal is not None and not principal.admin:
            raise Forbidden(f"{', '.join(wide)} acts on the whole dataset: that needs an admin token "
                            "(`driehoek token add NAME --admin`); name the graphs to change instead",
                            operations=wide)
        visible = self.visible_private_graphs(principal)
        with self.store.lock():
            trial_dir = self.settings.data_dir / "trial" / uuid.uuid4().hex
            trial: ox.Store | None = None
            try:
                try:
                    trial_dir.parent.mkdir(parents=True, exist_ok=True)
                except OSError as err:
                    raise storage_error(err, "nothing was written") from err
                self.store.trial_copy(trial_dir, sparql, targets, private_graphs=visible, mentioned=analysis.mentioned)
                self._try_update(trial_dir, sparql)
                if not checked and principal is not None and not principal.admin:
                    raise BadRequest("driehoek's update parser cannot read this update (syntax beyond SPARQL "
                                     "1.1?), so it cannot check what it does; write it in SPARQL 1.1")
                trial = ox.Store(str(trial_dir))
                writes, reports = self._update_writes(trial, targets, principal, visible)
                outcome = "warnings" if any(r.warnings for r in reports) else "conforms"
                digest = hashlib.sha256(sparql.encode()).hexdigest()
                commit = self._commit(writes, Activity("update", agent, "SPARQL Update", digest, outcome))
            finally:
                trial = None
                shutil.rmtree(trial_dir, ignore_errors=True)
            self.store.publish_snapshot()
        return LoadOutcome(commit, reports)

    def analyse_update(self, sparql: str) -> validation.UpdateAnalysis:
        """What an update may touch (graphs, dataset-wide operations, IRIs), read by rdflib's parser in a
        validation worker: about a millisecond per triple, under DRIEHOEK_VALIDATION_TIMEOUT and
        DRIEHOEK_VALIDATION_MEMORY, never in a server thread."""
        from ..errors import PayloadTooLarge, ValidationTimeout
        from ..shacl_workers import ValidationJob

        job = ValidationJob(b"", b"", "update", update=sparql, base_iri=self.settings.base_iri)
        try:
            (analysis,) = self.validation_pool().run([job])
        except ValidationTimeout as err:
            raise QueryTimeout(f"reading the update took longer than {self.settings.validation_timeout:g} s "
                               "(DRIEHOEK_VALIDATION_TIMEOUT); nothing was written. Send large data with the "
                               "Graph Store Protocol (PUT/POST /graph-store) instead",
                               timeout_seconds=self.settings.validation_timeout) from err
        except PayloadTooLarge as err:
            raise PayloadTooLarge("the update is too large to read within DRIEHOEK_VALIDATION_MEMORY; nothing was "
                                  "written. Send large data with the Graph Store Protocol instead") from err
        assert isinstance(analysis, validation.UpdateAnalysis)
        return analysis

    def _try_update(self, trial_dir: Path, sparql: str) -> None:
        """Run an update on the checkpoint in `trial_dir` in a child process, under the query time
        limit and memory cap: Oxigraph cannot cancel an update, and its parser and planner recurse (a
        long enough chain of UNIONs or ||s overflows the stack and kills the process running it). The
        child has no network (sandbox.isolate_network) and refuses LOAD and SERVICE by the parser's
        check (sparql.inspect_update) before it runs anything."""
        import logging
        import subprocess
        import sys

        from ..store import syntax_error

        limit = self.settings.query_timeout
        args = [sys.executable, "-c", _TRIAL_UPDATE, str(trial_dir), self.settings.base_iri,
                str(self.settings.query_memory)]
        try:
            done = subprocess.run(args, input=sparql.encode("utf-8", "surrogatepass"), capture_output=True,
                                  timeout=limit)
        except subprocess.TimeoutExpired as err:
            raise QueryTimeout(f"the update was stopped after its time limit of {limit:g} s (DRIEHOEK_QUERY_TIMEOUT); "
                               "narrow its WHERE clause down and try again", timeout_seconds=limit) from err
        if done.stderr and not getattr(self, "_trial_stderr_logged", False):
            # e.g. sandbox's warning that the kernel allows no network isolation: said once per server
            logging.getLogger(__name__).warning("the trial update process said: %s",
                                                done.stderr.decode("utf-8", "replace").strip()[-2000:])
            self._trial_stderr_logged = True
        if done.returncode == 3:  # the update was refused: a message for the client
            kind, message, *rest = json.loads(done.stdout)
            if kind == "refused":  # the parser's check: LOAD, SERVICE, or a text it cannot read
                raise BadRequest(message, **(rest[0] if rest else {}))
            if kind == "syntax":
                raise syntax_error(SyntaxError(message), "update")
            if "No space left on device" in message:
                raise storage_error(message, "nothing was written")
            raise BadRequest(f"update failed: {message}")
        if done.returncode != 0:
            how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit code {done.returncode}"
            raise BadRequest(f"the update could not be tried: the process running it stopped ({how}); it is "
                             f"too long or complex to parse, or needs more than {self.settings.query_memory} MiB; "
                             "split it into smaller updates")

    def _update_writes(self, trial: ox.Store, targets: set[str], principal: Principal | None = None,
                       visible: Iterable[str] = ()) -> tuple[list[GraphWrite], list[validation.Report]]:
        """Compare the trial with the live store for the targeted graphs; validate the changed ones.
        Private graphs the writer may not see were never in the trial and are not compared."""
        seen = set(visible)
        if validation.ALL_GRAPHS in targets:
            names = {g.value for g in trial.named_graphs() if isinstance(g, ox.NamedNode)}
            names |= {g for g in self.store.named_graphs() if not self.is_private(g) or g in seen}
            names |= {validation.DEFAULT}
        else:
            names = set(targets)
        writes, reports = [], []
        for name in sorted(names):
            graph: ox.NamedNode | ox.DefaultGraph = ox.NamedNode(name) if name else ox.DefaultGraph()
            if isinstance(graph, ox.NamedNode) and (
                    name == self.store.meta_graph.value or name.startswith(self.store.staging_prefix)
                    or name in (self.store.provenance_graph.value, self.settings.graph_base + "pending")):
                if validation.ALL_GRAPHS in targets:
                    continue
                raise Forbidden(f"graph {name} is reserved for driehoek itself")
            after = set(trial.quads_for_pattern(None, None, None, graph))
            # a private graph the writer may not see was never in the trial: to it, it is empty (a DROP
            # SILENT of one must not tell whether it exists)
            hidden = self.is_private(graph) and name not in seen and principal is not None and not principal.admin
            before = set() if hidden else set(self.store.quads(graph))
            if after == before:
                continue
            if isinstance(graph, ox.NamedNode):
                self.graph_iri(name)  # 403 outside the writable namespaces
            owner = self.check_write(graph, principal)  # 403 system graphs and scopes, 404 others' private graphs
            if not after:
                writes.append(GraphWrite(graph, "delete"))
                continue
            report = self._gate(list(after), {name}, f"update of <{name or 'DEFAULT'}>", seen)
            if not report.conforms:
                raise ValidationFailed(f"the update leaves <{name or 'DEFAULT'}> with "
                                       f"{len(report.violations)} SHACL violation(s); nothing was written", report)
            reports.append(report)
            writes.append(GraphWrite(graph, "replace", list(after), owner=owner))
        return writes, reports

    def withdraw(self, graph: ox.NamedNode, *, reason: str, agent: str,
                 principal: Principal | None = None) -> CommitResult:
        """Withdraw a graph (a case): it leaves listings and every read path of anonymous readers
        (snapshots no longer hold it); its resources answer 410 Gone with who, when and why. The data
        is kept for the record, and stewards still read it through the Graph Store."""
        if not reason.strip():
            raise BadRequest("a withdrawal needs a reason")
        with self.store.lock():
            self.check_write(graph, principal)
            if not self.store.graph_exists(graph):
                raise NotFound(f"no graph {graph.value}")
            meta = str(self.store.meta_for(graph))
            now = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
            reason_literal = str(ox.Literal(reason))
            agent_literal = str(ox.Literal(agent))
            self.store.update_for(graph,
                f"INSERT DATA {{ GRAPH {meta} {{ {graph} <{DH}withdrawn> true ; "
                f"<{DH}withdrawalReason> {reason_literal} ; <{DH}withdrawnAt> \"{now}\"^^<{XSD}dateTime> ; "
                f"<{DH}withdrawnBy> {agent_literal} }} }}")
            commit = self._commit([], Activity("withdraw", agent, graph.value, validation="skipped"))
            self.store.publish_snapshot()
        return commit

    def withdrawn_graphs(self, store: ox.Store | None = None) -> list[str]:
        """Graphs withdrawn so far (from the metadata of the snapshot, or of `store`)."""
        return withdrawn_graphs(store if store is not None else self.snapshot(), self.layout.meta)
