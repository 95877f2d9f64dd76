/* The SPARQL editor: syntax highlighting (CodeMirror 5, if loaded), the named queries as examples,
   and results as a table with links and downloads. Data never becomes HTML: every value is set with
   textContent, every link's href is checked to be http(s) or driehoek's own path. */
(function () {
  "use strict";

  var form = document.getElementById("sparql-form");
  if (!form) { return; }
  var textarea = document.getElementById("query");
  var example = document.getElementById("example");
  var results = document.getElementById("results");
  var heading = document.getElementById("results-h");
  var status = document.getElementById("results-status");
  var downloads = document.getElementById("downloads");
  var body = document.getElementById("results-body");
  var endpoint = form.getAttribute("data-endpoint");
  var base = form.getAttribute("data-base");
  var msg = function (name) { return form.getAttribute("data-msg-" + name) || name; };
  var MAX_ROWS = 1000;
  var editor = null;

  function run() { form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit")); }

  if (window.CodeMirror) {
    editor = window.CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query",
      lineNumbers: true,
      viewportMargin: Infinity,
      inputStyle: "contenteditable",
      screenReaderLabel: document.querySelector("label[for=query]").textContent,
      // Tab must leave the editor (no keyboard trap, WCAG 2.1.2); indenting is done with spaces
      extraKeys: { "Tab": false, "Shift-Tab": false, "Ctrl-Enter": run, "Cmd-Enter": run }
    });
    var input = editor.getInputField();
    input.setAttribute("aria-describedby", "query-help");
    input.id = "query-editor";
    document.querySelector("label[for=query]").setAttribute("for", "query-editor");
  } else {
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
    });
  }

  function currentQuery() { return editor ? editor.getValue() : textarea.value; }

  if (example) {
    example.addEventListener("change", function () {
      var option = example.options[example.selectedIndex];
      var text = option.getAttribute("data-query");
      if (!text) { return; }
      if (editor) { editor.setValue(text); } else { textarea.value = text; }
    });
  }

  /* Where a browser should go for an IRI: driehoek's own page, the IRI itself, or nowhere. */
  function hrefFor(iri) {
    var slug = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
    if (iri.indexOf(base + "id/") === 0) {
      var parts = iri.slice(base.length + 3).split("/");
      if (parts.length === 2 && slug.test(parts[1])) { return "/doc/" + parts[0] + "/" + parts[1]; }
    }
    if (iri.indexOf("https://identifier.overheid.nl/tooi/id/") === 0) {
      var code = iri.slice(iri.lastIndexOf("/") + 1);
      if (/^[a-z0-9_]+$/.test(code)) { return "/org/" + code; }
    }
    if (iri.indexOf("https://w3id.org/driehoek/def#") === 0) { return "/def#" + iri.slice(30); }
    if (/^https?:\/\//.test(iri)) { return iri; }
    return null;
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var href = hrefFor(term.value);
      var node = href ? document.createElement("a") : document.createElement("span");
      if (href) { node.href = href; }
      node.textContent = term.value;
      td.appendChild(node);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      var span = document.createElement("span");
      span.textContent = term.value;
      if (term["xml:lang"]) { span.lang = term["xml:lang"]; }
      td.appendChild(span);
      if (term["xml:lang"]) {
        var tag = document.createElement("span");
        tag.className = "muted";
        tag.textContent = " @" + term["xml:lang"];
        td.appendChild(tag);
      }
    }
    return td;
  }

  function table(json) {
    var vars = json.head.vars || [];
    var rows = json.results.bindings || [];
    var t = document.createElement("table");
    var caption = document.createElement("caption");
    caption.textContent = rows.length + " " + (rows.length === 1 ? msg("row") : msg("rows")) +
      (rows.length > MAX_ROWS ? " (" + msg("shown") + ")" : "");
    t.appendChild(caption);
    var head = document.createElement("thead");
    var tr = document.createElement("tr");
    vars.forEach(function (name) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = "?" + name;
      tr.appendChild(th);
    });
    head.appendChild(tr);
    t.appendChild(head);
    var tbody = document.createElement("tbody");
    rows.slice(0, MAX_ROWS).forEach(function (binding) {
      var row = document.createElement("tr");
      vars.forEach(function (name) { row.appendChild(cell(binding[name])); });
      tbody.appendChild(row);
    });
    t.appendChild(tbody);
    return t;
  }

  function setDownloads(query, kind) {
    downloads.textContent = "";
    var names = kind === "graph" ? [["turtle", "Turtle"], ["jsonld", "JSON-LD"], ["ntriples", "N-Triples"], ["rdfxml", "RDF/XML"]]
                                 : [["csv", "CSV"], ["tsv", "TSV"], ["json", "JSON"], ["xml", "XML"]];
    names.forEach(function (pair) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = endpoint + "?query=" + encodeURIComponent(query) + "&format=" + pair[0];
      a.textContent = msg("download") + " " + pair[1];
      a.setAttribute("download", "driehoek-result." + ({turtle: "ttl", jsonld: "jsonld", ntriples: "nt", rdfxml: "rdf"}[pair[0]] || pair[0]));
      li.appendChild(a);
      downloads.appendChild(li);
    });
  }

  function show(kind, node, text) {
    body.textContent = "";
    if (node) { body.appendChild(node); }
    status.textContent = text;
    results.hidden = false;
    heading.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (editor) { editor.save(); }
    var query = currentQuery();
    var started = Date.now();
    results.hidden = false;
    status.textContent = msg("running");
    body.textContent = "";
    downloads.textContent = "";
    fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json, text/turtle;q=0.9"
      },
      body: new URLSearchParams({ query: query }).toString()
    }).then(function (response) {
      var type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
      var ms = " (" + (Date.now() - started) + " " + msg("ms") + ")";
      if (!response.ok) {
        return response.text().then(function (text) {
          var message = text;
          try { message = JSON.parse(text).message || text; } catch (e) { /* not JSON */ }
          var box = document.createElement("p");
          box.className = "error-box";
          box.textContent = message;
          show("error", box, msg("error") + " (" + response.status + ")");
        });
      }
      if (type === "application/sparql-results+json") {
        return response.json().then(function (json) {
          if (typeof json.boolean === "boolean") {
            var p = document.createElement("p");
            p.textContent = json.boolean ? msg("true") : msg("false");
            setDownloads(query, "boolean");
            show("boolean", p, "ASK" + ms);
          } else {
            var n = json.results.bindings.length;
            setDownloads(query, "solutions");
            show("solutions", table(json), n + " " + (n === 1 ? msg("row") : msg("rows")) + ms);
          }
        });
      }
      return response.text().then(function (text) {
        var pre = document.createElement("pre");
        pre.textContent = text;
        setDownloads(query, "graph");
        show("graph", pre, type + ms);
      });
    }).catch(function (error) {
      var box = document.createElement("p");
      box.className = "error-box";
      box.textContent = String(error);
      show("error", box, msg("error"));
    });
  });
})();
