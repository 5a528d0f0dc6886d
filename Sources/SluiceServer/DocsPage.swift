/// `GET /docs`: the OpenAPI document as a page, drawn in the browser from `/openapi.json` by
/// the script below, with nothing fetched from elsewhere (it works offline).
let docsPage = htmlPage(
    title: "Sluice API",
    style: #"""
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem; color: #1d232a; }
        h1 { margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d7dce1; }
        .op { border: 1px solid #d7dce1; border-radius: 6px; margin: .6rem 0; }
        .op summary { cursor: pointer; padding: .45rem .7rem; list-style: none; }
        .method { display: inline-block; min-width: 3.6rem; font-weight: 600; font-family: ui-monospace, monospace; }
        .get { color: #0b6bcb; } .post { color: #1a7f37; }
        .path { font-family: ui-monospace, monospace; }
        .op .body { padding: 0 .9rem .7rem; }
        pre { background: #f5f7f9; padding: .6rem; overflow-x: auto; font-size: 13px; }
        .status { font-family: ui-monospace, monospace; font-weight: 600; margin-right: .5rem; }
        """#,
    body: #"""
        <h1>Sluice API</h1>
        <p id="description">Loading <a href="/openapi.json">/openapi.json</a>…</p>
        <div id="routes"></div>
        <script>
        const routes = document.getElementById("routes");
        function resolve(schema, components, depth) {
          if (!schema || depth > 6) return schema;
          if (schema.$ref) return resolve(components[schema.$ref.split("/").pop()], components, depth + 1);
          const out = Array.isArray(schema) ? [] : {};
          for (const [key, value] of Object.entries(schema)) {
            out[key] = typeof value === "object" && value !== null ? resolve(value, components, depth + 1) : value;
          }
          return out;
        }
        function element(tag, text, className) {
          const node = document.createElement(tag);
          if (text !== undefined) node.textContent = text;
          if (className) node.className = className;
          return node;
        }
        fetch("/openapi.json").then(r => r.json()).then(spec => {
          const components = (spec.components || {}).schemas || {};
          document.getElementById("description").textContent = spec.info.description + " (version " + spec.info.version + ")";
          const byTag = {};
          for (const [path, methods] of Object.entries(spec.paths)) {
            for (const [method, op] of Object.entries(methods)) {
              const tag = (op.tags || ["Other"])[0];
              (byTag[tag] = byTag[tag] || []).push([path, method, op]);
            }
          }
          for (const [tag, ops] of Object.entries(byTag)) {
            routes.appendChild(element("h2", tag));
            for (const [path, method, op] of ops) {
              const details = element("details", undefined, "op");
              const summary = element("summary");
              summary.appendChild(element("span", method.toUpperCase(), "method " + method));
              summary.appendChild(element("span", path + "  ", "path"));
              summary.appendChild(element("span", op.summary));
              details.appendChild(summary);
              const body = element("div", undefined, "body");
              if (op.requestBody) {
                body.appendChild(element("h4", "Request"));
                for (const [type, content] of Object.entries(op.requestBody.content)) {
                  body.appendChild(element("div", type));
                  body.appendChild(element("pre", JSON.stringify(resolve(content.schema, components, 0), null, 2)));
                }
              }
              body.appendChild(element("h4", "Responses"));
              for (const [status, response] of Object.entries(op.responses)) {
                const line = element("div");
                line.appendChild(element("span", status, "status"));
                line.appendChild(element("span", response.description));
                body.appendChild(line);
                const json = response.content && response.content["application/json"];
                if (status === "200" && json) body.appendChild(element("pre", JSON.stringify(resolve(json.schema, components, 0), null, 2)));
              }
              details.appendChild(body);
              routes.appendChild(details);
            }
          }
        }).catch(error => { document.getElementById("description").textContent = "Cannot load /openapi.json: " + error; });
        </script>
        """#)
