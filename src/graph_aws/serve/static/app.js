// graph-aws web UI. Everything it shows comes from serve's own API, with the key the user typed
// (kept in this tab's sessionStorage only). Text from AWS or from users is always set as text,
// never as HTML.
"use strict";

(() => {
  const KEY = "graph-aws-api-key";
  const PAGE_CAP = 2000; // rows shown in a table at most
  const PICTURE_CAP = 400; // entities drawn at most: a bigger picture is unreadable, and slow to lay out
  const main = document.getElementById("main");
  const announcer = document.getElementById("announce");
  let session = null;
  let graphLibrary = null;

  // ------------------------------------------------------------------ small helpers

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(() => { announcer.textContent = text; }, 50);
  }

  function show(...nodes) {
    main.replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false));
    const heading = main.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  function plural(n, word) {
    const many = word.endsWith("y") ? `${word.slice(0, -1)}ies` : `${word}s`;
    return `${n.toLocaleString()} ${n === 1 ? word : many}`;
  }

  function cell(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function entityLink(id, text) {
    return id ? el("a", { href: `#/entity/${encodeURIComponent(id)}` }, text || id) : text;
  }

  function table(caption, columns, rows, render) {
    const head = el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c)));
    const body = rows.map((row) => el("tr", {}, columns.map((c, i) => render(row, c, i))));
    return el(
      "div",
      { class: "scroll", tabindex: "0", role: "region", "aria-label": caption },
      el("table", {}, el("caption", {}, caption), el("thead", {}, head), el("tbody", {}, body)),
    );
  }

  // ------------------------------------------------------------------ the API

  class Refused extends Error {}

  async function api(path, options = {}) {
    const key = sessionStorage.getItem(KEY) || "";
    const response = await fetch(path, {
      ...options,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", "JupiterOne-Account": "graph-aws-ui" },
    });
    let payload = {};
    try {
      payload = await response.json();
    } catch (_) {
      payload = {};
    }
    if (response.status === 401) {
      sessionStorage.removeItem(KEY);
      session = null;
      showLogin("The key was refused: it is wrong or revoked. Make one with `graph-aws api-key create --name NAME`.");
      throw new Refused("unauthorized");
    }
    if (!response.ok) {
      const message = (payload.errors && payload.errors[0] && payload.errors[0].message)
        || (payload.error && payload.error.message) || `HTTP ${response.status}`;
      throw new Error(message);
    }
    return payload;
  }

  const QUERY = "query J1QL($query: String!, $cursor: String) {\n"
    + "  queryV1(query: $query, cursor: $cursor) { type data cursor }\n}";

  async function j1ql(query, cursor) {
    const payload = await api("/graphql", {
      method: "POST",
      body: JSON.stringify({ query: QUERY, variables: { query, cursor: cursor || null } }),
    });
    if (payload.errors && payload.errors.length) throw new Error(payload.errors[0].message);
    return payload.data.queryV1;
  }

  // ------------------------------------------------------------------ signing in

  function showLogin(problem) {
    document.getElementById("who").textContent = "";
    document.getElementById("sign-out").hidden = true;
    const input = el("input", { id: "api-key", type: "password", autocomplete: "off", required: true, spellcheck: "false" });
    const form = el(
      "form",
      {
        class: "login",
        onsubmit: async (event) => {
          event.preventDefault();
          sessionStorage.setItem(KEY, input.value.trim());
          await start();
        },
      },
      el("label", { for: "api-key" }, "API key"),
      input,
      el("p", { class: "hint" }, "Made with ", el("code", {}, "graph-aws api-key create --name NAME"),
        ". It stays in this browser tab only."),
      el("button", { type: "submit", class: "primary" }, "Sign in"),
    );
    show(el("h1", {}, "Sign in"), problem ? el("p", { class: "error", role: "alert" }, problem) : null, form);
    input.focus();
  }

  async function start() {
    if (!sessionStorage.getItem(KEY)) {
      showLogin();
      return;
    }
    try {
      session = await api("/ui-api/session");
    } catch (error) {
      if (!(error instanceof Refused)) showLogin(error.message);
      return;
    }
    document.getElementById("who").textContent = `Key: ${session.keyName}`;
    document.getElementById("sign-out").hidden = false;
    await route();
  }

  // ------------------------------------------------------------------ the graph picture

  function loadGraphLibrary() {
    if (!session || !session.graphPicture) return Promise.resolve(null);
    if (!graphLibrary) {
      graphLibrary = new Promise((resolve) => {
        const script = el("script", { src: "/static/vendor/cytoscape.min.js" });
        script.addEventListener("load", () => resolve(window.cytoscape || null));
        script.addEventListener("error", () => resolve(null));
        document.head.append(script);
      });
    }
    return graphLibrary;
  }

  const PALETTE = ["#0b5cad", "#8250df", "#bf3989", "#1a7f37", "#9a6700", "#cf222e", "#0a7d8c", "#57606a"];

  async function drawGraph(vertices, edges, options = {}) {
    const figure = el("figure", { class: "picture" });
    if (vertices.length > PICTURE_CAP) {
      figure.append(el("p", { class: "note" }, `${plural(vertices.length, "entity")} are too many to draw `
        + `(at most ${PICTURE_CAP}); narrow the query with WITH or LIMIT. The tables below hold the graph.`));
      return figure;
    }
    const cytoscape = await loadGraphLibrary();
    if (!cytoscape) {
      figure.append(el("p", { class: "note" },
        "The graph picture needs Cytoscape.js, which is not installed with this graph-aws: run ",
        el("code", {}, "make ui"), " in the graph-aws checkout (it copies the pinned version from npm into ",
        el("code", {}, "src/graph_aws/serve/static/vendor/"), "), then reload. The tables below hold the same graph."));
      return figure;
    }
    const label = `Graph of ${plural(vertices.length, "entity")} and ${plural(edges.length, "relationship")}; `
      + "the tables below list them.";
    const box = el("div", { class: options.small ? "graph small" : "graph", role: "img", "aria-label": label });
    figure.append(box, el("figcaption", { class: "hint" }, label + " Click an entity to open it."));
    const classes = new Map();
    const colour = (c) => {
      if (!classes.has(c)) classes.set(c, PALETTE[classes.size % PALETTE.length]);
      return classes.get(c);
    };
    const ids = new Set(vertices.map((v) => v.id));
    const elements = [
      ...vertices.map((v) => ({
        data: { id: v.id, label: v.entity.displayName || v.entity._key, colour: colour((v.entity._class || [""])[0]) },
      })),
      ...edges.filter((e) => ids.has(e.fromVertexId) && ids.has(e.toVertexId)).map((e) => ({
        data: { id: e.id, source: e.fromVertexId, target: e.toVertexId, label: e.relationship._class },
      })),
    ];
    // Drawn once the box is in the page, so that it has a size.
    window.requestAnimationFrame(() => {
      const graph = cytoscape({
        container: box,
        elements,
        layout: { name: vertices.length > 60 ? "cose" : "breadthfirst", directed: true, padding: 24, animate: false },
        style: [
          { selector: "node", style: { "background-color": "data(colour)", label: "data(label)", "font-size": 11,
            color: "#1b1f24", "text-valign": "bottom", "text-margin-y": 4, width: 22, height: 22,
            "text-wrap": "ellipsis", "text-max-width": 140 } },
          { selector: "edge", style: { width: 1.5, "line-color": "#8c959f", "target-arrow-color": "#8c959f",
            "target-arrow-shape": "triangle", "curve-style": "bezier", label: "data(label)", "font-size": 9,
            color: "#57606a", "text-rotation": "autorotate", "text-background-color": "#fff",
            "text-background-opacity": 1 } },
        ],
      });
      graph.on("tap", "node", (event) => { window.location.hash = `#/entity/${encodeURIComponent(event.target.id())}`; });
      box.dataset.drawn = String(graph.nodes().length);
    });
    return figure;
  }

  // ------------------------------------------------------------------ query

  const EXAMPLES = [
    "FIND aws_account WITH master = true THAT HAS aws_account RETURN TREE",
    "FIND aws_account AS a RETURN a.name, a.accountId, a.status, a.collectionStatus",
    "FIND aws_iam_user THAT HAS aws_iam_access_key",
    "FIND aws_account WITH email = undefined",
  ];

  // The query's words outside its quoted strings, to tell a path query and where RETURN TREE may go.
  function withoutStrings(query) {
    return query.replace(/'(\\.|[^'\\])*'|"(\\.|[^"\\])*"/gs, (m) => " ".repeat(m.length));
  }

  function asTree(query) {
    const bare = withoutStrings(query);
    if (!/\bTHAT\b/i.test(bare) || /\bRETURN\b/i.test(bare)) return null;
    const tail = bare.search(/\b(ORDER\s+BY|SKIP|LIMIT)\b/i);
    return tail < 0 ? `${query} RETURN TREE` : `${query.slice(0, tail)}RETURN TREE ${query.slice(tail)}`;
  }

  function entityTable(rows) {
    const counts = new Map();
    for (const row of rows) {
      for (const name of Object.keys(row.properties || {})) {
        if (name !== "name") counts.set(name, (counts.get(name) || 0) + 1);
      }
    }
    const extra = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 6).map((e) => e[0]);
    const columns = ["displayName", "_type", "_class", ...extra];
    return table(`${plural(rows.length, "entity")}`, columns, rows, (row, column) => {
      if (column === "displayName") return el("td", {}, entityLink(row.id, row.entity.displayName || row.entity._key));
      if (column.startsWith("_")) return el("td", {}, [].concat(row.entity[column] || []).join(", "));
      return el("td", { class: "value" }, cell(row.properties[column]));
    });
  }

  function recordTable(rows) {
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    return table(`${plural(rows.length, "row")}`, columns, rows, (row, column) => el("td", { class: "value" }, cell(row[column])));
  }

  async function treeSection(tree) {
    const byId = new Map(tree.vertices.map((v) => [v.id, v]));
    const name = (id) => (byId.get(id) ? byId.get(id).entity.displayName || byId.get(id).entity._key : id);
    return [
      await drawGraph(tree.vertices, tree.edges),
      el("h3", {}, "Relationships"),
      table(plural(tree.edges.length, "relationship"), ["from", "relationship", "to"], tree.edges, (e, column) => {
        if (column === "relationship") return el("td", {}, e.relationship._class);
        const id = column === "from" ? e.fromVertexId : e.toVertexId;
        return el("td", {}, entityLink(id, name(id)));
      }),
      el("h3", {}, "Entities"),
      entityTable(tree.vertices),
    ];
  }

  async function queryView(params) {
    const text = params.get("q") || "";
    const view = params.get("view") || "";
    const box = el("textarea", { id: "j1ql", name: "q", rows: "3", spellcheck: "false", "aria-describedby": "j1ql-hint" }, text);
    const run = (q, as) => {
      const next = `#/query?q=${encodeURIComponent(q)}${as ? `&view=${as}` : ""}`;
      if (window.location.hash === next) route();
      else window.location.hash = next;
    };
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        run(box.value.trim());
      }
    });
    const form = el(
      "form",
      { class: "query", onsubmit: (event) => { event.preventDefault(); run(box.value.trim()); } },
      el("label", { for: "j1ql" }, "J1QL query"),
      box,
      el("div", { class: "row" }, el("button", { type: "submit", class: "primary" }, "Run query"),
        el("span", { id: "j1ql-hint", class: "hint" }, "Ctrl+Enter runs it. Examples:")),
      el("ul", { class: "examples" }, EXAMPLES.map((q) => el("li", {}, el("button", { type: "button", class: "link", onclick: () => run(q) }, q)))),
    );
    const results = el("section", { "aria-labelledby": "results-heading" });
    show(el("h1", {}, "Query"), form, results);
    if (!text) {
      box.focus();
      return;
    }
    const tree = view === "graph" ? asTree(text) : null;
    results.append(el("h2", { id: "results-heading" }, tree ? "Results as a graph" : "Results"), el("p", { class: "hint" }, "Running…"));
    let answer;
    try {
      answer = await j1ql(tree || text);
    } catch (error) {
      if (error instanceof Refused) return;
      results.replaceChildren(el("h2", { id: "results-heading" }, "Results"), el("p", { class: "error", role: "alert" }, error.message));
      announce("The query failed");
      return;
    }
    const parts = [el("h2", { id: "results-heading" }, tree || answer.type === "tree" ? "Results as a graph" : "Results")];
    if (answer.type === "tree") {
      parts.push(...(await treeSection(answer.data)));
      announce(`Graph of ${plural(answer.data.vertices.length, "entity")} and ${plural(answer.data.edges.length, "relationship")}`);
    } else {
      const rows = answer.data;
      let cursor = answer.cursor;
      while (cursor && rows.length < PAGE_CAP) {
        const page = await j1ql(text, cursor);
        rows.push(...page.data);
        cursor = page.cursor;
      }
      if (asTree(text)) {
        parts.push(el("p", {}, el("button", { type: "button", onclick: () => run(text, "graph") }, "Show as a graph")));
      }
      parts.push(rows.length === 0 ? el("p", {}, "No rows.") : answer.type === "list" ? entityTable(rows) : recordTable(rows));
      if (cursor) parts.push(el("p", { class: "note" }, `Showing the first ${rows.length.toLocaleString()} rows; add a LIMIT or WITH to narrow the query.`));
      announce(`The query returned ${plural(rows.length, "row")}`);
    }
    results.replaceChildren(...parts);
    parts[0].setAttribute("tabindex", "-1");
    parts[0].focus();
  }

  // ------------------------------------------------------------------ accounts

  async function accountsView() {
    show(el("h1", {}, "Accounts"), el("p", { class: "hint" }, "Loading…"));
    const { columns, rows } = await api("/ui-api/accounts");
    const values = (column) => [...new Set(rows.map((r) => r[column]).filter((v) => v))].sort();
    const select = (id, labelText, options) => [
      el("label", { for: id }, labelText),
      el("select", { id }, el("option", { value: "" }, "All"), options.map((o) => el("option", { value: o }, o))),
    ];
    const [statusLabel, status] = select("filter-status", "Status", values("status"));
    const [outcomeLabel, outcome] = select("filter-outcome", "Last outcome", values("lastOutcome"));
    const search = el("input", { id: "filter-text", type: "search", placeholder: "name, id, email or OU" });
    const holder = el("div");
    const render = () => {
      const text = search.value.trim().toLowerCase();
      const shown = rows.filter((r) => (!status.value || r.status === status.value)
        && (!outcome.value || r.lastOutcome === outcome.value)
        && (!text || [r.id, r.name, r.email, r.ouPath].some((v) => v && String(v).toLowerCase().includes(text))));
      holder.replaceChildren(table(`${shown.length} of ${plural(rows.length, "account")}`, columns, shown, (row, column) => {
        if (column === "name") return el("td", { class: "nowrap" }, entityLink(row._id, row.name));
        if (column === "lastIngested" && row.lastIngested) {
          return el("td", { class: "nowrap" }, el("time", { datetime: row.lastIngested }, row.lastIngested.replace("T", " ").slice(0, 16) + " UTC"));
        }
        if (column === "lastOutcome") return el("td", {}, row.lastOutcome ? el("span", { class: `badge ${row.lastOutcome === "ingested" ? "passed" : row.lastOutcome === "failed" ? "failed" : "not-collected"}` }, row.lastOutcome) : "");
        return el("td", { class: column === "reason" ? "reason" : "nowrap" }, cell(row[column]));
      }));
      announce(`${shown.length} of ${plural(rows.length, "account")} shown`);
    };
    for (const control of [status, outcome]) control.addEventListener("change", render);
    search.addEventListener("input", render);
    show(
      el("h1", {}, "Accounts"),
      el("div", { class: "filters", role: "search", "aria-label": "Filter the accounts" },
        el("div", {}, statusLabel, status), el("div", {}, outcomeLabel, outcome),
        el("div", {}, el("label", { for: "filter-text" }, "Search"), search)),
      holder,
    );
    render();
  }

  // ------------------------------------------------------------------ checks

  const STATUS_TEXT = { passed: "Pass", failed: "Fail", "not collected": "Not collected" };

  function badge(status) {
    return el("span", { class: `badge ${status.replace(" ", "-")}` }, STATUS_TEXT[status] || status);
  }

  async function checksView(id) {
    show(el("h1", {}, "Checks"), el("p", { class: "hint" }, "Running the checks…"));
    const { checks } = await api("/ui-api/checks");
    if (id) {
      const check = checks.find((c) => c.id === id);
      if (!check) {
        show(el("h1", {}, "Check not found"), el("p", {}, el("a", { href: "#/checks" }, "All checks")));
        return;
      }
      show(
        el("p", {}, el("a", { href: "#/checks" }, "← All checks")),
        el("h1", {}, check.title),
        el("dl", { class: "meta" },
          el("dt", {}, "Status"), el("dd", {}, badge(check.status)),
          el("dt", {}, "Severity"), el("dd", {}, check.severity),
          el("dt", {}, "Control"), el("dd", {}, check.control),
          el("dt", {}, "Query"), el("dd", {}, el("a", { href: `#/query?q=${encodeURIComponent(check.query)}` }, el("code", {}, check.query)))),
        check.reason ? el("p", { class: "note" }, check.reason) : null,
        el("h2", {}, check.status === "failed" ? "Offending entities" : "Entities"),
        check.findings.length
          ? table(plural(check.findings.length, "offending entity"), ["entity", "type", "account"], check.findings, (f, column) => {
            if (column === "entity") return el("td", {}, entityLink(f._id, f.displayName || f._key));
            return el("td", {}, cell(column === "type" ? f._type : f.accountId));
          })
          : el("p", {}, "None."),
      );
      announce(`${check.title}: ${STATUS_TEXT[check.status] || check.status}`);
      return;
    }
    const count = (s) => checks.filter((c) => c.status === s).length;
    show(
      el("h1", {}, "Checks"),
      el("p", {}, `${count("passed")} passed, ${count("failed")} failed, ${count("not collected")} not collected.`),
      table(plural(checks.length, "check"), ["status", "check", "severity", "offending", "control"], checks, (c, column) => {
        if (column === "status") return el("td", {}, badge(c.status));
        if (column === "check") return el("td", {}, el("a", { href: `#/checks/${encodeURIComponent(c.id)}` }, c.title));
        if (column === "offending") return el("td", {}, c.status === "failed" ? String(c.findings.length) : "");
        return el("td", {}, cell(c[column]));
      }),
    );
  }

  // ------------------------------------------------------------------ one entity

  async function entityView(id) {
    show(el("h1", {}, "Entity"), el("p", { class: "hint" }, "Loading…"));
    let answer;
    try {
      answer = await api(`/ui-api/entities/${encodeURIComponent(id)}`);
    } catch (error) {
      if (!(error instanceof Refused)) show(el("h1", {}, "Entity not found"), el("p", { class: "error" }, error.message));
      return;
    }
    const { entity, neighbours } = answer;
    const meta = entity.entity;
    const properties = Object.entries(entity.properties).sort((a, b) => a[0].localeCompare(b[0]));
    const others = neighbours.filter((n) => n.other);
    show(
      el("h1", {}, meta.displayName || meta._key),
      el("dl", { class: "meta" },
        el("dt", {}, "Type"), el("dd", {}, meta._type.join(", ")),
        el("dt", {}, "Class"), el("dd", {}, meta._class.join(", ")),
        el("dt", {}, "Key"), el("dd", {}, el("code", {}, meta._key)),
        meta._source ? [el("dt", {}, "Source"), el("dd", {}, meta._source)] : null),
      el("h2", {}, "Properties"),
      table(plural(properties.length, "property"), ["property", "value"], properties, ([name, value], column) =>
        el("td", { class: column === "value" ? "value" : null }, column === "property" ? name : cell(value))),
      el("h2", {}, "Neighbours"),
      others.length ? await drawGraph([entity, ...others.map((n) => n.other)], neighbours.map((n) => n.edge), { small: true }) : null,
      others.length
        ? table(plural(others.length, "neighbour"), ["direction", "relationship", "entity", "type"], others, (n, column) => {
          if (column === "direction") return el("td", {}, n.direction === "out" ? "→ to" : "← from");
          if (column === "relationship") return el("td", {}, n.edge.relationship._class);
          if (column === "entity") return el("td", {}, entityLink(n.other.id, n.other.entity.displayName || n.other.entity._key));
          return el("td", {}, n.other.entity._type.join(", "));
        })
        : el("p", {}, "No relationships."),
    );
    announce(`${meta.displayName || meta._key}: ${plural(properties.length, "property")}, ${plural(others.length, "neighbour")}`);
  }

  // ------------------------------------------------------------------ routing

  async function route() {
    if (!session) return;
    const hash = window.location.hash || "#/query";
    const [path, query] = hash.slice(1).split("?");
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const name = parts[0] || "query";
    for (const link of document.querySelectorAll("nav a")) {
      if (link.dataset.route === name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    try {
      if (name === "accounts") await accountsView();
      else if (name === "checks") await checksView(parts[1]);
      else if (name === "entity" && parts[1]) await entityView(parts[1]);
      else await queryView(new URLSearchParams(query || ""));
    } catch (error) {
      if (!(error instanceof Refused)) show(el("h1", {}, "Something went wrong"), el("p", { class: "error", role: "alert" }, error.message));
    }
  }

  document.getElementById("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    session = null;
    showLogin();
  });
  window.addEventListener("hashchange", route);
  start();
})();
