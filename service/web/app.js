// The ringkas web page: calls the JSON API and renders its answer.
// Every string from the server or the user goes into the page as text (textContent),
// never as markup, so an article or a model output cannot inject HTML or script.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const KEY_STORE = "ringkas.apiKey";
  const LANG_NAMES = { en: "English", id: "Indonesian" };

  const form = $("form");
  const text = $("text");
  const submit = $("submit");
  const busy = $("busy");
  const apiKey = $("api-key");

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function mode() {
    return form.querySelector('input[name="mode"]:checked').value;
  }

  function headers() {
    const h = { "Content-Type": "application/json", Accept: "application/json" };
    const key = apiKey.value.trim();
    if (key) h.Authorization = "Bearer " + key;
    return h;
  }

  // --- talking to the API -------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message, extra) {
      super(message);
      this.status = status;
      this.code = code;
      this.extra = extra || "";
    }
  }

  async function call(method, path, body) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: headers(),
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (err) {
      throw new ApiError(0, "network_error", "the server could not be reached (" +
        String(err && err.message ? err.message : err) + ")");
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null; // a proxy's HTML page or waitress's plain-text 413
    }
    if (!response.ok) throw failure(response, data);
    if (data === null) {
      throw new ApiError(response.status, "invalid_response", "the server's answer is not JSON");
    }
    return { data, requestId: response.headers.get("X-Request-ID") || "" };
  }

  // The ApiError of an error answer (ringkas's {"error": {code, message, ...}}).
  function failure(response, data) {
    const extra = [];
    const retry = response.headers.get("Retry-After");
    if (retry) extra.push("retry after " + retry + " s");
    const err = data && data.error;
    if (err && typeof err.code === "string") {
      if (err.details) extra.push("details: " + JSON.stringify(err.details));
      if (err.request_id) extra.push("request id " + err.request_id);
      return new ApiError(response.status, err.code, String(err.message || ""), extra.join(" · "));
    }
    return new ApiError(response.status, "http_" + response.status,
      response.statusText || "the server answered with an error", extra.join(" · "));
  }

  // POST as a Server-Sent Events stream (docs/api.md, "Streamed answers"): each event goes
  // to onEvent(name, data) as it arrives; resolves with the final "result" event's answer.
  async function stream(path, body, onEvent) {
    let response;
    try {
      response = await fetch(path, {
        method: "POST",
        headers: Object.assign(headers(), { Accept: "text/event-stream" }),
        body: JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (err) {
      throw new ApiError(0, "network_error", "the server could not be reached (" +
        String(err && err.message ? err.message : err) + ")");
    }
    const requestId = response.headers.get("X-Request-ID") || "";
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || !type.startsWith("text/event-stream") || !response.body) {
      let data = null;
      try { data = await response.json(); } catch (_) { data = null; }
      if (!response.ok) throw failure(response, data);
      if (data === null) {
        throw new ApiError(response.status, "invalid_response", "the server's answer is not JSON");
      }
      return { data, requestId };  // a server that answered in one piece
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let pending = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let end;
      while ((end = pending.indexOf("\n\n")) >= 0) {
        const block = pending.slice(0, end);
        pending = pending.slice(end + 2);
        let name = "message";
        const lines = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) lines.push(line.slice(5).trimStart());
        }
        const data = lines.length ? JSON.parse(lines.join("\n")) : null;
        if (name === "result") return { data, requestId };
        if (name === "error") throw failure(response, data);
        onEvent(name, data);
      }
    }
    throw new ApiError(response.status, "stream_ended", "the stream ended before the answer came");
  }

  // What the busy line says while a streamed answer comes in.
  function progress(state, name, data) {
    if (name === "segmented") {
      state.total = data.sentences;
      return data.sentences + " sentence(s); translating…";
    }
    if (name === "translation") {
      state.done = (state.done || 0) + data.sentences.length;
      return "Translated " + Math.min(state.done, state.total || state.done) + " of " +
        (state.total || state.done) + " sentence(s) (" + data.of + ")…";
    }
    if (name === "summary") return "Summary written; checking it against the article…";
    if (name === "fidelity") return "Checked; finishing…";
    return null;
  }

  // --- rendering ------------------------------------------------------------------------

  function showError(err) {
    $("error-code").textContent = err.code + (err.status ? " (HTTP " + err.status + ")" : "");
    $("error-message").textContent = err.message;
    $("error-extra").textContent = err.extra || "";
    $("error").hidden = false;
    if (err.code === "missing_api_key" || err.code === "invalid_api_key") {
      showKeyBox();
      apiKey.focus();
    }
  }

  function showKeyBox() {
    $("key-box").hidden = false;
    $("key-box").open = true;
  }

  function clearOutput() {
    $("error").hidden = true;
    $("result").hidden = true;
  }

  // One card per warning code: a code the server repeats (an unsupported claim per name,
  // a changed number per sentence) is counted, its messages listed on request, so that
  // many warnings do not push the summary off the screen.
  function renderWarnings(warnings) {
    const box = $("warnings");
    box.replaceChildren();
    const groups = new Map();
    for (const w of warnings || []) {
      const code = String(w.code);
      if (!groups.has(code)) groups.set(code, []);
      groups.get(code).push(String(w.message));
    }
    // The most consequential first: noise output, then facts the article does not support.
    const rank = (code) => ({ random_weights: 0, unsupported_claim: 1 })[code] ?? 2;
    const ordered = [...groups].map(([code, messages], i) => [rank(code), i, code, messages])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [, , code, messages] of ordered) {
      const kind = code === "random_weights" ? "warning danger"
        : code === "unsupported_claim" ? "warning fidelity" : "warning";
      const card = el("div", { class: kind, role: "note" }, [el("code", { text: code }), " "]);
      if (messages.length === 1) {
        card.append(el("span", { text: messages[0] }));
      } else {
        card.append(
          el("span", { class: "tag count", text: messages.length + " warnings" }), " ",
          el("span", { class: "first", text: messages[0] }),
          el("details", {}, [
            el("summary", { text: "All " + messages.length + " messages" }),
            el("ol", {}, messages.map((m) => el("li", { text: m }))),
          ]));
      }
      box.append(card);
    }
  }

  function paragraphs(container, value) {
    container.replaceChildren();
    const parts = String(value).split(/\n\s*\n/).filter((p) => p.trim());
    for (const part of parts.length ? parts : [""]) container.append(el("p", { text: part }));
  }

  function renderSummaries(summary) {
    const box = $("summaries");
    box.replaceChildren();
    for (const [lang, value] of Object.entries(summary || {})) {
      const body = el("div", { class: "prose", id: "summary-" + lang, lang });
      paragraphs(body, value);
      box.append(el("section", { class: "card summary" }, [
        el("h2", { text: "Summary — " + (LANG_NAMES[lang] || lang) }), body,
      ]));
    }
  }

  function renderFidelity(fidelity) {
    const card = $("fidelity");
    if (!fidelity) { card.hidden = true; return; }
    const unsupported = fidelity.unsupported || [];
    $("fidelity-line").textContent = unsupported.length
      ? unsupported.length + " of " + fidelity.checked + " checked claim(s) are not supported by the article:"
      : fidelity.checked
        ? "All " + fidelity.checked + " checked claim(s) (numbers, amounts, dates, names) are supported by the article."
        : "The summary states no numbers, amounts, dates or names to check against the article.";
    card.classList.toggle("bad", unsupported.length > 0);
    const list = $("fidelity-list");
    list.replaceChildren();
    for (const c of unsupported) {
      const item = el("li", {}, [el("span", { class: "tag", text: String(c.kind) }), " ",
        el("span", { text: String(c.text) })]);
      // What the article says instead, and where (findings against the supporting sentence).
      if (c.expected) item.append(" — the article: ", el("q", { lang: "id", text: String(c.expected) }));
      if (c.source) item.append(el("span", { class: "help", text: " (article sentence " + c.source.index + ")" }));
      list.append(item);
    }
    card.hidden = false;
  }

  // The lists' numbers are elements of their own, in a column as wide as the longest
  // number (style.css): a ::marker sits on the baseline of an item's first line box, and
  // a sentence button (an inline-block) puts that on its last line; and an outside marker
  // is clipped by a scrolling list once it is wider than the list's padding.
  function number(n) {
    return el("span", { class: "num", text: n + "." });
  }

  function gutter(list, largest) {
    list.style.setProperty("--num-chars", String(String(Math.max(largest, 0)).length + 1));
  }

  // Selecting a summary sentence highlights the article sentences that support it, the
  // Indonesian and (where the strategy translated the article) its English side by side.
  function renderAttribution(attribution) {
    const card = $("attribution");
    if (!attribution) { card.hidden = true; return; }
    const english = attribution.source_sentences_en || [];
    const sources = $("attribution-sources");
    const rows = (attribution.source_sentences || []).map((sentence, i) => {
      const body = el("div", { class: "item-body" }, [
        el("span", { class: "source-id", lang: "id", text: String(sentence) })]);
      if (english[i]) {
        body.append(el("span", { class: "source-en", lang: "en", text: String(english[i]) }));
      }
      return el("li", { class: "source", id: "source-" + i }, [number(i), body]);
    });
    sources.replaceChildren(...rows);
    gutter(sources, rows.length - 1);
    const summary = $("attribution-summary");
    const buttons = [];
    const select = (k) => {
      const picked = attribution.summary_sentences[k];
      buttons.forEach((b, j) => b.setAttribute("aria-pressed", String(j === k)));
      rows.forEach((r) => { r.classList.remove("supporting"); r.removeAttribute("title"); });
      for (const link of picked.sources || []) {
        const row = rows[link.index];
        if (!row) continue;
        row.classList.add("supporting");
        row.setAttribute("title", "score " + Number(link.score).toFixed(2));
      }
      const first = rows[(picked.sources || [])[0]?.index];
      if (first) first.scrollIntoView({ block: "nearest" });
    };
    summary.replaceChildren(...(attribution.summary_sentences || []).map((s, k) => {
      const button = el("button", {
        type: "button", class: "sentence" + (s.supported ? "" : " unsupported"),
        "aria-pressed": "false", text: String(s.text),
      });
      if (!s.supported) button.append(" ", el("span", { class: "tag danger", text: "unsupported" }));
      button.addEventListener("click", () => select(k));
      buttons.push(button);
      return el("li", {}, [number(k + 1), button]);
    }));
    gutter(summary, buttons.length);
    const bad = (attribution.summary_sentences || []).filter((s) => !s.supported).length;
    $("attribution-line").textContent = (bad
      ? bad + " summary sentence(s) have no support in the article. "
      : "Every summary sentence is supported by the article. ")
      + "Select a sentence to highlight its sources.";
    card.classList.toggle("bad", bad > 0);
    card.hidden = false;
  }

  function renderTranslation(title, value, lang) {
    const card = $("translation-card");
    if (value === undefined || value === null) { card.hidden = true; return; }
    $("translation-title").textContent = title;
    const box = $("translation");
    box.setAttribute("lang", lang);
    if (Array.isArray(value)) {
      box.replaceChildren(...value.map((v) => el("p", { text: String(v) })));
    } else {
      paragraphs(box, value);
    }
    card.hidden = false;
  }

  function fact(dl, name, value) {
    if (value === undefined || value === null || value === "") return;
    dl.append(el("dt", { text: name }), el("dd", { text: String(value) }));
  }

  function renderProvenance(data, requestId) {
    const facts = $("provenance-facts");
    facts.replaceChildren();
    fact(facts, "strategy", data.strategy);
    fact(facts, "length", data.length);
    if (data.prompt) fact(facts, "prompt", data.prompt.name + " v" + data.prompt.version);
    fact(facts, "request id", requestId);

    const models = $("models");
    models.replaceChildren();
    for (const m of data.models || []) {
      const dl = el("dl", { class: "facts" });
      fact(dl, "model", m.id);
      fact(dl, "revision", m.revision);
      fact(dl, "commit", m.commit);
      fact(dl, "architecture", m.architecture);
      fact(dl, "backend", m.backend);
      const head = el("div", { class: "model-head" }, [el("code", { text: String(m.role) })]);
      if (m.random_weights) {
        head.append(el("span", { class: "tag danger", text: "random weights: output is noise" }));
      }
      models.append(el("div", { class: "model" }, [head, dl]));
    }

    const timings = $("timings");
    timings.replaceChildren();
    for (const [stage, ms] of Object.entries(data.timings_ms || {})) {
      timings.append(el("tr", {}, [el("td", { text: stage }),
        el("td", { text: Number(ms).toLocaleString("en", { minimumFractionDigits: 1, maximumFractionDigits: 1 }) })]));
    }
  }

  function render(data, requestId) {
    renderWarnings(data.warnings);
    if (mode() === "summarize") {
      renderSummaries(data.summary);
      renderFidelity(data.fidelity);
      renderAttribution(data.attribution);
      renderTranslation("Full English translation", data.translation, "en");
    } else {
      $("summaries").replaceChildren();
      renderFidelity(null);
      renderAttribution(null);
      const target = $("direction").value.split("-")[1];
      renderTranslation("Translation — " + LANG_NAMES[target], data.translation, target);
    }
    renderProvenance(data, requestId);
    $("result").hidden = false;
    reveal($("result"));
  }

  // The answer starts below the form, off a laptop's screen: scroll it into view unless
  // its top is already in the upper part of the window.
  function reveal(node) {
    if (node.getBoundingClientRect().top > window.innerHeight / 3) {
      node.scrollIntoView({ block: "start" });
    }
  }

  // --- the form -------------------------------------------------------------------------

  // The glossary picker and the inline terms ("source = target" per line), for both modes.
  function glossaryFields() {
    const fields = {};
    const name = $("glossary").value;
    if (name) fields.glossary = name;
    const entries = {};
    for (const line of $("glossary-entries").value.split("\n")) {
      const at = line.indexOf("=");
      if (at > 0) entries[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    if (Object.keys(entries).length) fields.glossary_entries = entries;
    return fields;
  }

  async function loadGlossaries() {
    const select = $("glossary");
    try {
      const { data } = await call("GET", "/v1/glossaries");
      const names = [...new Set(data.glossaries.map((g) => g.name))];
      const current = select.value;
      select.replaceChildren(el("option", { value: "", text: "none" }),
        ...names.map((n) => el("option", { value: n, text: n })));
      if (names.includes(current)) select.value = current;
    } catch (err) {
      // No glossary list (an API key still to be given): the picker keeps "none".
    }
  }

  function request() {
    const base = Object.assign({ text: text.value }, glossaryFields());
    if (mode() === "translate") {
      const [source, target] = $("direction").value.split("-");
      return ["/v1/translate", Object.assign(base, { source, target })];
    }
    // html applies to summaries only: /v1/translate takes plain text.
    const body = Object.assign(base, {
      html: $("html").checked,
      length: form.querySelector('input[name="length"]:checked').value,
      languages: Array.from(form.querySelectorAll('input[name="languages"]:checked'))
        .map((c) => c.value),
      strategy: $("strategy").value,
      translation: $("want-translation").checked,
      attribution: $("want-attribution").checked,
    });
    const title = $("title").value.trim();
    if (title) body.title = title;
    return ["/v1/summarize", body];
  }

  async function onSubmit(event) {
    event.preventDefault();
    if (submit.disabled) return;
    clearOutput();
    const [path, body] = request();
    if (path === "/v1/summarize" && body.languages.length === 0) {
      showError(new ApiError(0, "no_language", "choose at least one summary language"));
      return;
    }
    submit.disabled = true;
    form.setAttribute("aria-busy", "true");
    busy.textContent = "Working… (this can take a minute on a CPU)";
    const started = performance.now();
    try {
      const state = {};
      const { data, requestId } = await stream(path, body, (name, event) => {
        const said = progress(state, name, event);
        if (said) busy.textContent = said;
      });
      const elapsed = performance.now() - started;  // the request's, not the rendering's
      render(data, requestId);
      busy.textContent = "Done in " + formatElapsed(elapsed);
    } catch (err) {
      showError(err instanceof ApiError ? err
        : new ApiError(0, "client_error", String(err && err.message ? err.message : err)));
      busy.textContent = "";
    } finally {
      submit.disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  // "20 ms" under a second ("0.0 s" said nothing), "1.4 s" from there on.
  function formatElapsed(ms) {
    return ms < 999.5 ? Math.round(ms) + " ms" : (ms / 1000).toFixed(1) + " s";
  }

  function onMode() {
    const summarize = mode() === "summarize";
    $("summarize-options").hidden = !summarize;
    $("translate-options").hidden = summarize;
    $("html").closest(".field").hidden = !summarize;
    submit.textContent = summarize ? "Summarise" : "Translate";
    $("text-label").textContent = summarize ? "Article (Indonesian)" : "Text";
    clearOutput();
  }

  async function onFile() {
    const file = $("file").files[0];
    if (!file) return;
    try {
      text.value = await file.text();
    } catch (err) {
      showError(new ApiError(0, "file_unreadable", "the file could not be read"));
      return;
    }
    const isHtml = /\.html?$/i.test(file.name) || file.type === "text/html";
    if (isHtml && mode() === "translate") {
      text.value = htmlToText(text.value); // /v1/translate takes plain text
    }
    $("html").checked = isHtml && mode() === "summarize";
    updateCount();
  }

  // Text of an HTML document, a paragraph per block. DOMParser documents are inert: their
  // scripts never run and their images never load.
  function htmlToText(html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    doc.querySelectorAll("script, style, noscript, nav, header, footer, aside, form")
      .forEach((n) => n.remove());
    const blocks = Array.from(doc.querySelectorAll("h1, h2, h3, h4, p, li, blockquote"))
      .map((n) => n.textContent.replace(/\s+/g, " ").trim()).filter(Boolean);
    return blocks.length ? blocks.join("\n\n") : (doc.body ? doc.body.textContent.trim() : "");
  }

  function updateCount() {
    $("char-count").textContent = text.value.length.toLocaleString("en");
  }

  async function loadServerInfo() {
    const pill = $("server-status");
    try {
      const { data } = await call("GET", "/v1/models");
      const select = $("strategy");
      const current = select.value;
      if (Array.isArray(data.strategies) && data.strategies.length) {
        select.replaceChildren(...data.strategies.map((s) => el("option", { value: s, text: s })));
        if (data.strategies.includes(current)) select.value = current;
      }
      loadGlossaries();
      pill.textContent = data.ready ? "ready" : "loading models";
      pill.className = "pill " + (data.ready ? "ok" : "wait");
    } catch (err) {
      if (err.code === "missing_api_key" || err.code === "invalid_api_key") {
        pill.textContent = "API key needed";
        pill.className = "pill wait";
        showKeyBox();
      } else {
        pill.textContent = "unavailable";
        pill.className = "pill bad";
      }
    }
  }

  apiKey.value = sessionStorage.getItem(KEY_STORE) || "";
  if (apiKey.value) $("key-box").hidden = false;  // a key given earlier in this tab
  apiKey.addEventListener("change", () => {
    const key = apiKey.value.trim();
    if (key) sessionStorage.setItem(KEY_STORE, key); else sessionStorage.removeItem(KEY_STORE);
    loadServerInfo();
  });
  form.addEventListener("submit", onSubmit);
  for (const radio of form.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener("change", onMode);
  }
  $("file").addEventListener("change", onFile);
  text.addEventListener("input", updateCount);
  updateCount();
  loadServerInfo();
  // For tests/test_browser.py, which checks the formatting at its edges.
  window.ringkas = Object.freeze({ formatElapsed });
})();
