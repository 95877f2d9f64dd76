// Replicate a driehoek LDES with the real LDES client (ldes-client, rdf-connect / TREE community) into
// one N-Quads file: the public dataset as the stream's members leave it.
//
//   node replicate.mjs http://127.0.0.1:8000/ldes out.nq
//
// The client fetches the stream, follows its tree:relations and extracts the members (each member's
// content is the named graph named by its IRI). This script only replays them, oldest first, the way
// docs/linking.md tells a linking system to: a member with content replaces its graph
// (dcterms:isVersionOf), an as:Delete member removes it, a member without content (dh:contentOmitted)
// changes nothing. Prints a JSON summary on standard output.
import { writeFileSync } from "node:fs";
import { replicateLDES } from "ldes-client";
import N3 from "n3";

const [url, out] = process.argv.slice(2);
if (!url || !out) {
    console.error("usage: node replicate.mjs STREAM_URL OUT.nq");
    process.exit(2);
}
const AS_DELETE = "https://www.w3.org/ns/activitystreams#Delete";
const OMITTED = "https://w3id.org/driehoek/def#contentOmitted";
const RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

const client = replicateLDES({ url, polling: false }, "none");
const reader = client.stream({ highWaterMark: 10 }).getReader();
const members = [];
for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    members.push(value);
}
const time = (m) => (m.timestamp instanceof Date ? m.timestamp.getTime() : Date.parse(m.timestamp));
// Oldest first; the member IRI (graph#time) breaks ties between graphs written by one write.
members.sort((a, b) => time(a) - time(b) || (a.id.value < b.id.value ? -1 : a.id.value > b.id.value ? 1 : 0));

const graphs = new Map(); // graph IRI -> quads (with the graph as their graph name)
let deletes = 0, omitted = 0, versions = 0;
for (const member of members) {
    const id = member.id.value;
    const graph = member.isVersionOf;
    if (!graph) throw new Error(`member ${id} has no dcterms:isVersionOf`);
    const about = member.quads.filter((q) => q.subject.value === id && q.graph.termType === "DefaultGraph");
    if (about.some((q) => q.predicate.value === RDF_TYPE && q.object.value === AS_DELETE)) {
        graphs.delete(graph);
        deletes++;
        continue;
    }
    if (about.some((q) => q.predicate.value === OMITTED)) {
        omitted++;
        continue;
    }
    const target = N3.DataFactory.namedNode(graph);
    graphs.set(graph, member.quads
        .filter((q) => q.graph.termType === "NamedNode" && q.graph.value === id)
        .map((q) => N3.DataFactory.quad(q.subject, q.predicate, q.object, target)));
    versions++;
}
const writer = new N3.Writer({ format: "N-Quads" });
const all = [...graphs.values()].flat();
writer.addQuads(all);
writer.end((error, result) => {
    if (error) throw error;
    writeFileSync(out, result);
    console.log(JSON.stringify({ members: members.length, versions, deletes, omitted, graphs: graphs.size, quads: all.length }));
    process.exit(0);
});
