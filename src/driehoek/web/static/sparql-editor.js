/* The SPARQL editor: syntax highlighting (CodeMirror 5, if loaded), completion of prefixes and of
   driehoek's classes and properties (CodeMirror's show-hint add-on), the named queries as examples.

   Running a query is a GET of /sparql?query=...: the server renders the answer (with labels and
   prefixed names) or the error in the page, so the address is the permalink of the query, the back
   button goes to the previous query, and the page works the same without JavaScript. Nothing here
   turns data into HTML: completions are shown with CodeMirror's text nodes, the data comes from a
   JSON block the server wrote, and no request leaves the site. */
(function () {
  "use strict";

  var form = document.getElementById("sparql-form");
  if (!form) { return; }
  var textarea = document.getElementById("query");
  var example = document.getElementById("example");
  var formatSelect = document.getElementById("format");
  var endpoint = form.getAttribute("data-endpoint");
  var msg = function (name) { return form.getAttribute("data-msg-" + name) || name; };
  var vocabulary = { prefixes: {}, terms: [] };
  try {
    vocabulary = JSON.parse(document.getElementById("editor-completions").textContent);
  } catch (e) { /* no completions then; the editor still works */ }
  var prefixes = vocabulary.prefixes || {};
  var terms = vocabulary.terms || [];
  var CodeMirror = window.CodeMirror;
  var editor = null;

  function run() {
    if (form.requestSubmit) { form.requestSubmit(); } else { form.dispatchEvent(new Event("submit", { cancelable: true })); }
  }

  /* A run: the address becomes /sparql?query=... (no empty format= in it), a permalink. */
  form.addEventListener("submit", function (event) {
    if (editor) { editor.save(); }
    if (!formatSelect || formatSelect.value === "") {
      event.preventDefault();
      window.location.assign(endpoint + "?query=" + encodeURIComponent(textarea.value));
    }
  });

  // -- completion ------------------------------------------------------------------------------

  var NAME_CHAR = /[\w\-:]/;

  function declared(cm, prefix) {
    // A convenience of the editor, not a decision on the query: the server's parser has the last word.
    var pattern = new RegExp("(^|\\s)prefix\\s+" + prefix.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&") + ":", "i");
    return pattern.test(cm.getValue());
  }

  /* After a prefixed name is picked, declare its prefix at the top if the query does not yet. */
  function declareOnPick(cm, completion) {
    var prefix = completion.prefix;
    if (!prefix || !prefixes[prefix] || declared(cm, prefix)) { return; }
    cm.replaceRange("PREFIX " + prefix + ": <" + prefixes[prefix] + ">\n", CodeMirror.Pos(0, 0));
  }

  function termItem(term) {
    var kind = term.kind === "class" ? msg("class") : msg("property");
    return {
      text: term.curie,
      displayText: term.curie + (term.label ? " — " + term.label : "") + " (" + kind + ")",
      prefix: term.curie.split(":")[0],
      className: "hint-term"
    };
  }

  function hint(cm) {
    var cursor = cm.getCursor();
    var line = cm.getLine(cursor.line);
    var start = cursor.ch;
    while (start > 0 && NAME_CHAR.test(line.charAt(start - 1))) { start -= 1; }
    var word = line.slice(start, cursor.ch);
    var lower = word.toLowerCase();
    var list = [];
    if (/(^|\s)prefix\s+$/i.test(line.slice(0, start))) {
      // a PREFIX declaration: the prefix and its namespace
      var wanted = lower.replace(/:$/, "");
      Object.keys(prefixes).forEach(function (name) {
        if (name.indexOf(wanted) === 0) {
          list.push({ text: name + ": <" + prefixes[name] + ">", displayText: name + ": <" + prefixes[name] + ">",
                      className: "hint-prefix" });
        }
      });
    } else if (word.indexOf(":") >= 0) {
      // a prefixed name: driehoek's terms by local name, or by label
      var colon = word.indexOf(":");
      var prefix = word.slice(0, colon);
      var local = lower.slice(colon + 1);
      terms.forEach(function (term) {
        if (term.curie.indexOf(prefix + ":") !== 0) { return; }
        var name = term.curie.slice(colon + 1).toLowerCase();
        if (name.indexOf(local) === 0 || (local.length > 1 && (term.label || "").toLowerCase().indexOf(local) >= 0)) {
          list.push(termItem(term));
        }
      });
    } else {
      // a bare word: the prefixes it starts, then driehoek's terms whose name or label holds it
      Object.keys(prefixes).forEach(function (name) {
        if (name.indexOf(lower) === 0) {
          list.push({ text: name + ":", displayText: name + ": <" + prefixes[name] + "> (" + msg("prefix") + ")",
                      prefix: name, className: "hint-prefix" });
        }
      });
      if (lower.length > 1) {
        terms.forEach(function (term) {
          var name = term.curie.slice(term.curie.indexOf(":") + 1).toLowerCase();
          if (name.indexOf(lower) >= 0 || (term.label || "").toLowerCase().indexOf(lower) >= 0) {
            list.push(termItem(term));
          }
        });
      }
    }
    var result = { list: list.slice(0, 60), from: CodeMirror.Pos(cursor.line, start), to: cursor };
    CodeMirror.on(result, "pick", function (completion) { declareOnPick(cm, completion); });
    CodeMirror.on(result, "shown", function () {
      // show-hint's listbox has no name of its own: give it one (axe: aria-input-field-name)
      var list = document.getElementById(cm.getInputField().getAttribute("aria-owns") || "");
      if (list) { list.setAttribute("aria-label", msg("hint")); }
    });
    return result;
  }

  function complete(cm) {
    cm.showHint({ hint: hint, completeSingle: false, closeCharacters: /[\s()\[\]{};>,]/ });
  }

  // -- the editor ------------------------------------------------------------------------------

  if (CodeMirror) {
    editor = CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query",
      lineNumbers: true,
      lineWrapping: true,
      viewportMargin: Infinity,
      inputStyle: "contenteditable",
      screenReaderLabel: document.querySelector("label[for=query]").textContent,
      // Tab must leave the editor (no keyboard trap, WCAG 2.1.2); indenting is done with spaces
      extraKeys: { "Tab": false, "Shift-Tab": false, "Ctrl-Enter": run, "Cmd-Enter": run,
                   "Ctrl-Space": CodeMirror.showHint ? complete : false }
    });
    var input = editor.getInputField();
    input.setAttribute("aria-describedby", "query-help");
    // a text box, so that the completion list's aria-autocomplete / aria-activedescendant are allowed on it
    input.setAttribute("role", "textbox");
    input.setAttribute("aria-multiline", "true");
    input.id = "query-editor";
    document.querySelector("label[for=query]").setAttribute("for", "query-editor");
    if (CodeMirror.showHint) {
      // typing a colon, or on in a prefixed name, or a prefix after PREFIX, offers completions
      editor.on("inputRead", function (cm, change) {
        if (cm.state.completionActive || change.origin !== "+input") { return; }
        var cursor = cm.getCursor();
        var before = cm.getLine(cursor.line).slice(0, cursor.ch);
        if (/[\w-]*:[\w-]*$/.test(before) && /[\w:-]$/.test(before) || /(^|\s)prefix\s+[\w-]+$/i.test(before)) {
          complete(cm);
        }
      });
    }
    // the server's syntax error names a line and column: put the cursor there and mark the line
    var error = document.getElementById("query-error");
    var errorLine = error ? parseInt(error.getAttribute("data-line"), 10) : NaN;
    if (errorLine > 0 && errorLine <= editor.lineCount()) {
      var errorColumn = parseInt(error.getAttribute("data-column"), 10) || 1;
      editor.addLineClass(errorLine - 1, "background", "cm-error-line");
      editor.setCursor(CodeMirror.Pos(errorLine - 1, Math.max(0, errorColumn - 1)));
    }
  } else {
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
    });
  }

  if (example) {
    example.addEventListener("change", function () {
      var option = example.options[example.selectedIndex];
      var text = option.getAttribute("data-query");
      if (!text) { return; }
      if (editor) { editor.setValue(text); } else { textarea.value = text; }
    });
  }
})();
