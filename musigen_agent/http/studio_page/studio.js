// musigen studio: describe -> refine -> listen, over the server's JSON API. Plain JS, no build step.
"use strict";

(() => {
  const $ = (sel) => document.querySelector(sel);
  const FORMATS = ["mid", "wav", "flac", "mp3", "ogg", "stems", "png", "json"];
  const PALETTE = ["#ef6f4c", "#4fb3f6", "#8bc34a", "#ffca28", "#b388ff", "#ff8a65", "#26c6da", "#f06292", "#aed581"];
  const KEY = "musigen.apiKey";
  // What the studio is showing: a track, one of its versions, that version's notes and the history.
  const S = { trackId: null, version: null, head: null, view: null, notes: null, versions: [] };

  // ---------------------------------------------------------------- helpers
  function el(tag, attrs = {}, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "class") e.className = v;
      else e.setAttribute(k, v === true ? "" : v);
    }
    e.append(...kids.flat().filter((x) => x != null && x !== false).map((x) => (x instanceof Node ? x : String(x))));
    return e;
  }
  const button = (attrs, onclick, ...kids) => el("button", { type: "button", ...attrs, onclick }, ...kids);
  const problem = (title, detail) => new Problem({ title, detail });
  const colour = (i) => PALETTE[i % PALETTE.length];
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const fmtTime = (s) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`;
  const fmtBytes = (n) => (n > 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`);
  const opText = (op) =>
    Object.entries(op)
      .filter(([k, v]) => k !== "op" && v != null)
      .reduce((s, [k, v]) => `${s} ${k}=${Array.isArray(v) ? v.join(",") : v}`, op.op);

  // ---------------------------------------------------------------- the API
  class Problem extends Error {
    constructor(problem) {
      super(problem.detail || problem.title || "Error");
      this.problem = problem;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (localStorage.getItem(KEY)) headers.Authorization = `Bearer ${localStorage.getItem(KEY)}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new Problem({ title: "Network error", detail: `Could not reach the server: ${e.message}.` });
    }
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!res.ok) {
      const detail = text.slice(0, 300) || res.statusText;
      const fallback = { title: `HTTP ${res.status}`, status: res.status, detail };
      throw new Problem(data && typeof data === "object" ? { status: res.status, ...data } : fallback);
    }
    return res.status === 202 && data && data.links ? waitForJob(data) : data;
  }

  async function waitForJob(job) {
    while (job.status === "queued" || job.status === "running") {
      busy(`${job.kind}: ${Math.round(job.progress * 100)}% ${job.message || ""}`);
      await sleep(400);
      job = await api("GET", job.links.self);
    }
    if (job.status === "failed") throw new Problem(job.error || { detail: "The job failed." });
    return job.result;
  }

  // A file URL the browser can use: direct when the server is open, a blob fetched with the key otherwise.
  async function usableUrl(url) {
    const token = localStorage.getItem(KEY);
    if (!token) return url;
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Problem({ title: `HTTP ${res.status}`, detail: `Could not download ${url}.` });
    return URL.createObjectURL(await res.blob());
  }

  // ---------------------------------------------------------------- status and errors
  let busyCount = 0;
  function busy(message) {
    $("#status").textContent = message;
    document.body.classList.add("busy");
  }
  async function working(message, button, fn) {
    busyCount += 1;
    busy(message);
    if (button) button.disabled = true;
    try {
      return await fn();
    } finally {
      busyCount -= 1;
      if (button) button.disabled = false;
      if (!busyCount) {
        $("#status").textContent = "";
        document.body.classList.remove("busy");
      }
    }
  }

  function formatAllowed(allowed) {
    if (Array.isArray(allowed)) return allowed.join(", ");
    if (allowed && typeof allowed === "object") {
      if ("min" in allowed && "max" in allowed) return `${allowed.min} to ${allowed.max} ${allowed.unit || ""}`.trim();
      return Object.entries(allowed).map(([k, v]) => `${k}: ${v}`).join(", ");
    }
    return String(allowed);
  }

  function showError(box, err) {
    const p = err instanceof Problem ? err.problem : { title: "Error", detail: String((err && err.message) || err) };
    if (!(err instanceof Problem)) console.error(err);
    box.replaceChildren(el("strong", {}, p.title || "Error"), " ", p.detail || "");
    if (p.field) box.append(el("div", {}, "Field: ", el("code", { class: "field" }, p.field)));
    if (p.suggestions && p.suggestions.length) box.append(el("div", {}, "Did you mean: ", p.suggestions.join(", ")));
    if (Array.isArray(p.allowed) && p.allowed.length > 12) {
      const list = el("div", { class: "allowed" }, formatAllowed(p.allowed));
      box.append(el("details", {}, el("summary", {}, `Allowed values (${p.allowed.length})`), list));
    } else if (p.allowed != null) box.append(el("div", { class: "allowed" }, "Allowed: ", formatAllowed(p.allowed)));
    if (p.errors && p.errors.length) {
      box.append(el("ul", {}, p.errors.map((e) => el("li", {}, `${e.field}: ${e.message}`))));
    }
    box.hidden = false;
    for (const e of p.errors && p.errors.length ? p.errors : [{ field: p.field }]) {
      const name = String(e.field || "").replace(/^overrides\./, "").split(".")[0];
      const input = name && document.querySelector(`[data-field="${CSS.escape(name)}"]`);
      if (input) input.classList.add("bad");
    }
    if (p.status === 401 || p.status === 403) $("#key-box").open = true;
  }

  function clearError(box) {
    box.hidden = true;
    box.replaceChildren();
    document.querySelectorAll(".bad").forEach((e) => e.classList.remove("bad"));
  }

  // ---------------------------------------------------------------- opening a version
  async function open(trackId, version, composed) {
    const view = composed || (await api("GET", `/v1/tracks/${trackId}${version ? `/versions/${version}` : ""}`));
    const [notes, versions] = await Promise.all([
      api("GET", `/v1/tracks/${trackId}/versions/${view.version}/notes`),
      api("GET", `/v1/tracks/${trackId}/versions`),
    ]);
    if (trackId !== S.trackId || view.version !== S.version) resetPlayer();
    Object.assign(S, { trackId, version: view.version, view, notes, versions });
    S.head = Math.max(...versions.map((v) => v.number));
    showSummary(view, composed);
    drawRoll();
    showMixer();
    showVersions();
    showFiles(view.files);
    history.replaceState(null, "", `#${trackId}/${view.version}`);
    await loadTracks();
  }

  function fact(name, value) {
    return el("span", { class: "fact", "data-fact": name }, el("small", {}, name), " ", el("b", {}, value));
  }

  function showSummary(view, composed) {
    const sm = view.summary;
    $("#empty").hidden = true;
    $("#summary").hidden = false;
    $("#title").textContent = sm.title;
    const latest = view.version === S.head ? " (latest)" : ` of ${S.head}`;
    $("#facts").replaceChildren(
      fact("version", `v${view.version}${latest}`),
      fact("tempo", `${sm.tempo} bpm`),
      fact("key", sm.key),
      fact("meter", sm.meter),
      fact("length", `${sm.bars} bars · ${fmtTime(sm.seconds)}`),
      fact("genre", sm.genre),
      fact("mood", (sm.moods || []).join(", ") || "—"),
    );
    $("#description-quote").textContent = view.spec.description ? `“${view.spec.description}”` : "";
    $("#form-strip").replaceChildren(
      ...sm.sections.map((s) => {
        const box = el("div", { class: "sec" }, el("b", {}, s.name), el("small", {}, `${s.bars} bars`));
        box.append(el("span", { class: "chords" }, s.chords.join(" · ")));
        box.style.flexGrow = s.bars;
        return box;
      }),
    );
    $("#parts tbody").replaceChildren(
      ...sm.parts.map((p, i) => {
        const dot = el("span", { class: "swatch" });
        dot.style.background = colour(i);
        return el(
          "tr",
          {},
          el("td", {}, dot),
          el("td", {}, p.name),
          el("td", {}, p.instrument),
          el("td", {}, p.role),
          el("td", {}, p.notes),
          el("td", {}, (p.muted_in || []).join(", ")),
        );
      }),
    );
    const prov = composed && composed.provenance;
    $("#provenance-box").hidden = !prov;
    if (prov) {
      $("#provenance tbody").replaceChildren(
        ...Object.entries(prov).map(([field, p]) =>
          el(
            "tr",
            { class: p.source },
            el("th", {}, field),
            el("td", {}, Array.isArray(p.value) ? p.value.join(", ") : String(p.value ?? "—")),
            el("td", {}, p.source),
            el("td", {}, (p.words || []).map((w) => el("q", {}, w))),
            el("td", { class: "hint" }, p.note || ""),
          ),
        ),
      );
      const ignored = composed.ignored || [];
      $("#ignored").textContent = ignored.length ? `Words not used: ${ignored.join(", ")}` : "Every word was used.";
      $("#provenance-box").open = true;
    }
  }

  // ---------------------------------------------------------------- piano roll
  function audible(part) {
    const solo = S.notes.parts.some((p) => p.mix.solo);
    return !part.mix.mute && (!solo || part.mix.solo);
  }

  function drawRoll() {
    const n = S.notes;
    const canvas = $("#roll");
    if (!n) return;
    const dpr = window.devicePixelRatio || 1;
    const W = canvas.clientWidth;
    const H = 320;
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = "#15171e";
    g.fillRect(0, 0, W, H);

    const top = 36;
    const hasDrums = n.parts.some((p) => p.is_drum && p.notes.length);
    const drumH = hasDrums ? 56 : 0;
    const rollH = H - top - drumH - (hasDrums ? 6 : 2);
    const pitches = n.parts.filter((p) => !p.is_drum).flatMap((p) => p.notes.map((x) => x[2]));
    const lo = (pitches.length ? Math.min(...pitches) : 48) - 2;
    const hi = (pitches.length ? Math.max(...pitches) : 84) + 2;
    const rowH = rollH / (hi - lo + 1);
    const x = (beat) => (beat / n.beats) * W;

    // Octave shading and bar lines.
    g.fillStyle = "#1b1e27";
    for (let p = lo; p <= hi; p++) if (p % 12 === 0) g.fillRect(0, top + (hi - p) * rowH, W, rowH);
    g.fillStyle = "#242834";
    for (let b = 0; b < n.beats; b += n.beats_per_bar) g.fillRect(Math.round(x(b)), top, 1, H - top);

    // Sections and chord names.
    g.font = "12px system-ui, sans-serif";
    g.textBaseline = "middle";
    let lastChordEnd = -Infinity;
    for (const s of n.sections) {
      const sx = x(s.start_bar * n.beats_per_bar);
      g.fillStyle = "#6c7590";
      g.fillRect(Math.round(sx), 0, 1, H);
      g.fillStyle = "#e8eaf0";
      g.fillText(s.name, sx + 4, 10);
      g.fillStyle = "#a9b0c4";
      s.chords.forEach((chord, i) => {
        const cx = x((s.start_bar + i / (s.chord_slots_per_bar || 1)) * n.beats_per_bar) + 4;
        if (cx < lastChordEnd + 6) return;
        g.fillText(chord, cx, 26);
        lastChordEnd = cx + g.measureText(chord).width;
      });
    }

    // Notes: one colour per part, brighter when louder, faint when the part is muted.
    n.parts.forEach((p, i) => {
      g.fillStyle = colour(i);
      const on = audible(p);
      for (const [start, dur, pitch, vel] of p.notes) {
        g.globalAlpha = on ? 0.4 + (0.6 * vel) / 127 : 0.12;
        const drumY = () => H - drumH - 2 + ((81 - Math.min(81, Math.max(35, pitch))) / 46) * (drumH - 4);
        const y = p.is_drum ? drumY() : top + (hi - pitch) * rowH;
        const h = p.is_drum ? 3 : Math.max(1.5, rowH - 0.5);
        g.fillRect(x(start), y, Math.max(1.5, x(dur) - 0.5), h);
      }
    });
    g.globalAlpha = 1;
    if (hasDrums) {
      g.fillStyle = "#3a3f4f";
      g.fillRect(0, H - drumH - 5, W, 1);
    }
    const count = n.parts.reduce((t, p) => t + p.notes.length, 0);
    $("#roll-caption").textContent = `v${n.version} · ${count} notes · ${n.parts.length} parts`;
  }

  function movePlayhead() {
    const player = $("#player");
    const head = $("#playhead");
    if (!S.notes || !player.src) return;
    const beat = (player.currentTime * S.notes.tempo) / 60;
    head.hidden = false;
    head.style.left = `${Math.min(100, (beat / S.notes.beats) * 100)}%`;
    if (!player.paused) requestAnimationFrame(movePlayhead);
  }

  // ---------------------------------------------------------------- mixer
  function showMixer() {
    const rows = S.notes.parts.map((p, i) => {
      const slider = (name, min, max, step) =>
        el("input", { type: "range", min, max, step, value: p.mix[name], class: name, "data-part": p.name });
      const gain = slider("gain_db", -30, 12, 0.5);
      const pan = slider("pan", -1, 1, 0.05);
      const gainLabel = el("output", {}, `${p.mix.gain_db.toFixed(1)} dB`);
      const panLabel = el("output", {}, panText(p.mix.pan));
      gain.addEventListener("input", () => (gainLabel.textContent = `${Number(gain.value).toFixed(1)} dB`));
      pan.addEventListener("input", () => (panLabel.textContent = panText(Number(pan.value))));
      gain.addEventListener("change", () => mix({ part: p.name, gain_db: Number(gain.value) }));
      pan.addEventListener("change", () => mix({ part: p.name, pan: Number(pan.value) }));
      const toggle = (name, label, title) =>
        button(
          { class: `${name} toggle`, "data-part": p.name, "aria-pressed": String(p.mix[name]), title },
          () => mix({ part: p.name, [name]: !p.mix[name] }),
          label,
        );
      const dot = el("span", { class: "swatch" });
      dot.style.background = colour(i);
      return el(
        "div",
        { class: `strip${audible(p) ? "" : " silent"}` },
        el("div", { class: "name" }, dot, el("b", {}, p.name), el("small", {}, p.role)),
        el("label", {}, "gain", gain, gainLabel),
        el("label", {}, "pan", pan, panLabel),
        toggle("mute", "M", "Mute"),
        toggle("solo", "S", "Solo"),
      );
    });
    $("#mixer").replaceChildren(...rows);
  }

  function panText(v) {
    if (Math.abs(v) < 0.01) return "C";
    return `${Math.round(Math.abs(v) * 100)}${v < 0 ? "L" : "R"}`;
  }

  async function mix(op) {
    const box = $("#mixer-error");
    clearError(box);
    $("#mixer").classList.add("pending");
    try {
      await working("Mixing…", null, async () => {
        const body = { ops: [{ op: "mix", ...op }], version: S.version };
        const view = await api("POST", `/v1/tracks/${S.trackId}/refine`, body);
        await open(S.trackId, view.version, null);
      });
    } catch (e) {
      showError(box, e);
      showMixer();
    } finally {
      $("#mixer").classList.remove("pending");
    }
  }

  // ---------------------------------------------------------------- versions and tracks
  function showVersions() {
    const items = [...S.versions].reverse().map((v) => {
      const words = v.instruction || v.ops.map(opText).join("; ") || "composed";
      const current = v.number === S.version;
      const revert =
        v.number !== S.head
          ? button(
              { class: "revert small", "data-version": v.number, title: `Make a new version equal to v${v.number}` },
              () => revertTo(v.number),
              "revert",
            )
          : null;
      return el(
        "li",
        { class: current ? "current" : null, "data-version": v.number },
        button({ class: "link" }, () => guarded($("#history-error"), () => open(S.trackId, v.number)), [
          el("b", {}, `v${v.number}`),
          ` ${words}`,
        ]),
        el("small", {}, `${v.parent ? `from v${v.parent} · ` : ""}${new Date(v.created).toLocaleString()}`),
        revert,
      );
    });
    $("#versions").replaceChildren(...items);
  }

  async function revertTo(number) {
    await guarded($("#history-error"), () =>
      working(`Reverting to v${number}…`, null, async () => {
        const view = await api("POST", `/v1/tracks/${S.trackId}/revert`, { version: number });
        await open(S.trackId, view.version, null);
      }),
    );
  }

  async function loadTracks() {
    const tracks = await api("GET", "/v1/tracks?limit=50");
    const list = tracks.map((t) =>
      el(
        "li",
        { class: t.id === S.trackId ? "current" : null },
        button({ class: "link" }, () => guarded($("#tracks-error"), () => open(t.id, null)), [
          el("b", {}, t.title),
          ` · v${t.head}`,
        ]),
        el("small", {}, new Date(t.updated).toLocaleString()),
      ),
    );
    $("#track-list").replaceChildren(...(list.length ? list : [el("li", { class: "hint" }, "No tracks yet.")]));
  }

  async function guarded(box, fn) {
    clearError(box);
    try {
      await fn();
    } catch (e) {
      showError(box, e);
    }
  }

  // ---------------------------------------------------------------- render, listen, download
  function resetPlayer() {
    const player = $("#player");
    player.pause();
    player.removeAttribute("src");
    player.hidden = true;
    $("#playhead").hidden = true;
  }

  async function setPlayer(file) {
    const player = $("#player");
    player.src = await usableUrl(file.url);
    player.hidden = false;
  }

  function showFiles(files) {
    const byFormat = Object.fromEntries((files || []).map((f) => [f.format, f]));
    const links = FORMATS.map((fmt) => {
      const f = byFormat[fmt];
      if (f) {
        const attrs = { class: "file", href: f.url, download: f.name, "data-format": fmt, title: f.name };
        return el("a", { ...attrs, onclick: (e) => download(e, f) }, fmt, el("small", {}, fmtBytes(f.bytes)));
      }
      const attrs = { class: "file missing", "data-format": fmt, title: `Render ${fmt} for v${S.version}` };
      return button(attrs, () => renderFormat(fmt, true), [fmt, el("small", {}, "make")]);
    });
    $("#downloads").replaceChildren(...links);
    const audio = byFormat.mp3 || byFormat.ogg || byFormat.wav;
    const player = $("#player");
    if (audio && !player.getAttribute("src")) setPlayer(audio).catch((e) => showError($("#render-error"), e));
  }

  async function download(event, file) {
    if (!localStorage.getItem(KEY)) return; // the plain link works on an open server
    event.preventDefault();
    await guarded($("#render-error"), async () => {
      const a = el("a", { href: await usableUrl(file.url), download: file.name });
      document.body.append(a);
      a.click();
      a.remove();
    });
  }

  async function renderFormat(fmt, thenDownload) {
    const box = $("#render-error");
    clearError(box);
    if (!S.trackId) return showError(box, problem("Nothing to render", "Compose or open a track first."));
    try {
      await working(`Rendering ${fmt}…`, $("#render"), async () => {
        const result = await api("POST", `/v1/tracks/${S.trackId}/render`, { formats: [fmt], version: S.version });
        const file = result.files.find((f) => f.format === fmt);
        const view = await api("GET", `/v1/tracks/${S.trackId}/versions/${S.version}`);
        S.view = view;
        if (!thenDownload || ["mp3", "ogg", "wav"].includes(fmt)) await setPlayer(file);
        showFiles(view.files);
        if (thenDownload) document.querySelector(`#downloads a[data-format="${fmt}"]`).click();
      });
    } catch (e) {
      showError(box, e);
    }
  }

  // ---------------------------------------------------------------- describe and refine
  function overrides() {
    const out = {};
    const val = (id) => $(id).value.trim();
    if (val("#f-genre")) out.genre = val("#f-genre");
    if (val("#f-mood")) out.mood = val("#f-mood");
    if (val("#f-tempo")) out.tempo = Number(val("#f-tempo"));
    if (val("#f-key")) out.key = val("#f-key");
    if (val("#f-mode")) out.mode = val("#f-mode");
    const length = val("#f-length");
    if (length) out.length = /^\d+(\.\d+)?$/.test(length) ? Number(length) : length;
    const instruments = val("#f-instruments").split(",").map((s) => s.trim()).filter(Boolean);
    if (instruments.length) out.instruments = instruments;
    return out;
  }

  async function compose(event) {
    event.preventDefault();
    const box = $("#compose-error");
    clearError(box);
    try {
      await working("Composing…", $("#compose"), async () => {
        const body = { description: $("#description").value };
        const ov = overrides();
        if (Object.keys(ov).length) body.overrides = ov;
        const view = await api("POST", "/v1/tracks", body);
        $("#applied").replaceChildren();
        await open(view.track_id, view.version, view);
      });
    } catch (e) {
      showError(box, e);
    }
  }

  async function refine(event) {
    event.preventDefault();
    const box = $("#refine-error");
    clearError(box);
    const instruction = $("#instruction").value.trim();
    if (!S.trackId) return showError(box, problem("Nothing to refine", "Compose or open a track first."));
    if (!instruction) return showError(box, problem("Say what to change", "Type an instruction or click an example."));
    try {
      await working("Refining…", $("#refine-go"), async () => {
        const view = await api("POST", `/v1/tracks/${S.trackId}/refine`, { instruction, version: S.version });
        $("#applied").replaceChildren(
          ...view.applied.map((a) =>
            el("li", { class: "ok" }, el("code", {}, opText(a.op)), a.words && el("q", {}, a.words)),
          ),
          ...view.not_understood.map((c) => el("li", { class: "warn" }, "not understood: ", el("q", {}, c))),
        );
        $("#instruction").value = "";
        await open(S.trackId, view.version, null);
      });
    } catch (e) {
      showError(box, e);
    }
  }

  async function loadCatalog() {
    const kinds = ["genres", "moods", "instruments"];
    const [genres, moods, instruments] = await Promise.all(kinds.map((k) => api("GET", `/v1/${k}`)));
    const option = (x) => el("option", { value: x.name }, x.display_name || x.name);
    const fill = (sel, items) => $(sel).replaceChildren($(sel).options[0], ...items.map(option));
    fill("#f-genre", genres);
    fill("#f-mood", moods);
    $("#instrument-names").replaceChildren(...instruments.map((i) => el("option", { value: i.name })));
  }

  // ---------------------------------------------------------------- start
  function start() {
    const examples = JSON.parse($("#refine-examples").textContent || "[]");
    $("#chips").replaceChildren(
      ...examples.slice(0, 10).map((t) =>
        button({ class: "chip", title: "Use this example" }, () => ($("#instruction").value = t), t),
      ),
    );
    $("#api-key").value = localStorage.getItem(KEY) || "";
    $("#save-key").addEventListener("click", () => {
      const token = $("#api-key").value.trim();
      if (token) localStorage.setItem(KEY, token);
      else localStorage.removeItem(KEY);
      $("#key-box").open = false;
      boot();
    });
    $("#compose-form").addEventListener("submit", compose);
    $("#refine-form").addEventListener("submit", refine);
    $("#render").addEventListener("click", () => renderFormat($("#render-format").value, false));
    $("#refresh-tracks").addEventListener("click", () => guarded($("#tracks-error"), loadTracks));
    const wrap = el("div", { class: "roll-wrap" });
    $("#roll").replaceWith(wrap);
    wrap.append(el("canvas", { id: "roll", height: 320 }), el("div", { id: "playhead", hidden: true }));
    $("#roll").addEventListener("click", (e) => {
      const player = $("#player");
      if (!S.notes || !player.getAttribute("src")) return;
      const beat = (e.offsetX / $("#roll").clientWidth) * S.notes.beats;
      player.currentTime = (beat * 60) / S.notes.tempo;
      movePlayhead();
    });
    $("#player").addEventListener("play", movePlayhead);
    $("#player").addEventListener("seeked", movePlayhead);
    let resize = null;
    window.addEventListener("resize", () => {
      clearTimeout(resize);
      resize = setTimeout(drawRoll, 100);
    });
    boot();
  }

  async function boot() {
    await guarded($("#compose-error"), loadCatalog);
    await guarded($("#tracks-error"), loadTracks);
    const m = location.hash.match(/^#([\w-]+)\/(\d+)$/);
    if (m && !S.trackId) await guarded($("#history-error"), () => open(m[1], Number(m[2])));
  }

  start();
})();
