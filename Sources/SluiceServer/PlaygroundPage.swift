/// `GET /` from a browser: a page to pick a served model, type text, and see the answer drawn
/// for its task, with the server's timing (`Server-Timing`). Nothing is fetched from elsewhere,
/// so it works offline. `?model=NAME&text=...` (and `question`, `labels`) fill the form and
/// send it at once, so a headless browser can be pointed at an answer.
let playgroundPage = htmlPage(
    title: "Sluice playground",
    style: #"""
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 52rem; padding: 1rem 1.5rem; color: #1d232a; }
        h1 { margin: .2rem 0 .8rem; font-size: 1.5rem; }
        label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
        select, textarea, input { width: 100%; box-sizing: border-box; font: inherit; padding: .4rem; border: 1px solid #c5ccd3; border-radius: 5px; }
        textarea { min-height: 5.5rem; }
        button { margin-top: .7rem; padding: .45rem 1.2rem; font: inherit; border: 0; border-radius: 5px; background: #1a7f37; color: white; cursor: pointer; }
        #task { color: #57606a; font-size: .9rem; margin-top: .3rem; }
        #answer { margin-top: 1.2rem; }
        .row { display: grid; grid-template-columns: 12rem 1fr 4.5rem; gap: .6rem; align-items: center; margin: .25rem 0; }
        .bar { background: #d8ecdf; border-radius: 3px; height: .9rem; }
        .bar > div { background: #2da44e; height: 100%; border-radius: 3px; }
        .score { font-family: ui-monospace, monospace; font-size: .85rem; text-align: right; }
        mark { background: #ffe58f; padding: 0 .1rem; border-radius: 3px; }
        mark small { color: #7d4e00; font-size: .7rem; margin-left: .2rem; }
        #timing { color: #57606a; font-size: .85rem; margin-top: .8rem; font-family: ui-monospace, monospace; }
        .error { color: #b42318; }
        """#,
    body: #"""
        <h1>Sluice playground</h1>
        <form id="form">
        <label for="model">Model</label>
        <select id="model"></select>
        <div id="task"></div>
        <div id="questionField" hidden><label for="question">Question</label><input id="question"></div>
        <label for="text" id="textLabel">Text</label>
        <textarea id="text"></textarea>
        <div id="labelsField" hidden><label for="labels">Candidate labels (comma-separated)</label><input id="labels"></div>
        <button type="submit">Run</button>
        </form>
        <div id="answer"></div>
        <div id="timing"></div>
        <script>
        const $ = id => document.getElementById(id);
        const tasks = {};
        const hints = {
          "fill-mask": "Text with the mask token, e.g. Paris is the [MASK] of France.",
          "sentence-embeddings": "First line: a sentence; each further line is compared with it.",
          "text-ranking": "First line: the query; each further line is a text to rank.",
          "question-answering": "The context in which to find the answer.",
        };
        function el(tag, text, cls) { const n = document.createElement(tag); if (text !== undefined) n.textContent = text; if (cls) n.className = cls; return n; }
        function bars(rows) {
          const box = el("div");
          const top = Math.max(...rows.map(r => Math.abs(r[1])), 1e-9);
          for (const [name, score] of rows) {
            const row = el("div", undefined, "row");
            row.appendChild(el("div", name, "name"));
            const bar = el("div", undefined, "bar"); const fill = el("div");
            fill.style.width = (100 * Math.max(0, score) / Math.max(top, 1)).toFixed(1) + "%";
            bar.appendChild(fill); row.appendChild(bar);
            row.appendChild(el("div", Number(score).toFixed(4), "score"));
            box.appendChild(row);
          }
          return box;
        }
        function highlight(text, spans) {
          const box = el("p"); let at = 0;
          for (const s of spans.slice().sort((a, b) => a.start - b.start)) {
            if (s.start < at) continue;
            box.appendChild(document.createTextNode(text.slice(at, s.start)));
            const mark = el("mark", text.slice(s.start, s.end)); mark.appendChild(el("small", s.label)); box.appendChild(mark);
            at = s.end;
          }
          box.appendChild(document.createTextNode(text.slice(at)));
          return box;
        }
        function path(name) { return name.split("/").map(encodeURIComponent).join("/"); }
        function lines(text) { return text.split("\n").map(s => s.trim()).filter(s => s); }
        function showTask() {
          const task = tasks[$("model").value] || "";
          $("task").textContent = "Task: " + task;
          $("questionField").hidden = task !== "question-answering";
          $("labelsField").hidden = task !== "zero-shot-classification";
          $("textLabel").textContent = task === "question-answering" ? "Context" : "Text";
          $("text").placeholder = hints[task] || "";
        }
        function request(task) {
          const text = $("text").value;
          switch (task) {
            case "question-answering": return { inputs: { question: $("question").value, context: text } };
            case "zero-shot-classification": return { inputs: text, parameters: { candidate_labels: $("labels").value.split(",").map(s => s.trim()).filter(s => s) } };
            case "token-classification": return { inputs: text, parameters: { aggregation_strategy: "simple" } };
            case "sentence-embeddings": { const l = lines(text); return l.length > 1 ? { inputs: { source_sentence: l[0], sentences: l.slice(1) } } : { inputs: l[0] || "" }; }
            case "text-ranking": { const l = lines(text); return { inputs: { query: l[0] || "", texts: l.slice(1) }, parameters: { return_documents: true } }; }
            default: return { inputs: text };
          }
        }
        function render(task, answer, sent) {
          const out = $("answer"); out.replaceChildren();
          out.dataset.task = task;
          switch (task) {
            case "fill-mask": {
              const lists = Array.isArray(answer[0]) ? answer : [answer];
              lists.forEach((list, i) => { if (lists.length > 1) out.appendChild(el("h3", "Mask " + (i + 1))); out.appendChild(bars(list.map(c => [c.token_str, c.score]))); });
              break;
            }
            case "text-classification": out.appendChild(bars((Array.isArray(answer[0]) ? answer[0] : answer).map(c => [c.label, c.score]))); break;
            case "zero-shot-classification": out.appendChild(bars(answer.map(c => [c.label, c.score]))); break;
            case "token-classification": out.appendChild(highlight(sent.inputs, answer.map(e => ({ start: e.start, end: e.end, label: e.entity_group || e.entity })))); break;
            case "question-answering": {
              const a = Array.isArray(answer) ? answer[0] : answer;
              out.appendChild(highlight(sent.inputs.context, [{ start: a.start, end: a.end, label: a.score.toFixed(3) }]));
              out.appendChild(el("p", "Answer: " + a.answer, "qa-answer"));
              break;
            }
            case "sentence-embeddings":
              if (sent.inputs.sentences) out.appendChild(bars(sent.inputs.sentences.map((s, i) => [s, answer[i]])));
              else out.appendChild(el("p", "An embedding of " + answer.length + " values: " + answer.slice(0, 6).map(v => v.toFixed(4)).join(", ") + ", …"));
              break;
            case "text-ranking": out.appendChild(bars(answer.map(r => [r.text || sent.inputs.texts[r.corpus_id], r.score]))); break;
            case "sparse-embeddings": out.appendChild(bars(answer.slice().sort((a, b) => b.value - a.value).slice(0, 12).map(v => ["#" + v.index, v.value]))); break;
            default: out.appendChild(el("pre", JSON.stringify(answer).slice(0, 2000)));
          }
        }
        async function run(event) {
          if (event) event.preventDefault();
          const name = $("model").value, task = tasks[name] || "";
          const sent = request(task);
          const started = performance.now();
          $("timing").textContent = ""; $("answer").replaceChildren(el("p", "…"));
          try {
            const response = await fetch("/models/" + path(name), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(sent) });
            const body = await response.json();
            if (!response.ok) { $("answer").replaceChildren(el("p", body.error || response.statusText, "error")); return; }
            render(task, body, sent);
            const server = (response.headers.get("Server-Timing") || "").split(",").map(s => s.trim()).filter(s => s)
              .map(s => { const [n, d] = s.split(";dur="); return n + " " + Number(d).toFixed(1) + " ms"; });
            $("timing").textContent = "server: " + (server.join(", ") || "n/a") + " · round trip " + (performance.now() - started).toFixed(1) + " ms";
          } catch (error) { $("answer").replaceChildren(el("p", String(error), "error")); }
        }
        async function start() {
          const models = (await (await fetch("/v1/models")).json()).data;
          for (const m of models) {
            const info = await (await fetch("/models/" + path(m.id) + "/info")).json();
            tasks[m.id] = info.task;
            const option = el("option", m.id + " (" + info.task + ")"); option.value = m.id; $("model").appendChild(option);
          }
          const query = new URLSearchParams(location.search);
          if (query.get("model")) $("model").value = query.get("model");
          showTask();
          for (const key of ["text", "question", "labels"]) if (query.get(key) !== null) $(key).value = query.get(key);
          if (query.get("text") !== null) await run();
        }
        $("model").addEventListener("change", showTask);
        $("form").addEventListener("submit", run);
        start();
        </script>
        """#)
