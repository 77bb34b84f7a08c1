// The admin's helpers; every page works without them (plain form posts). In the editor: a
// live preview (rendered by the server exactly as it will publish it), a Markdown toolbar with
// keyboard shortcuts, image upload (button, drag and drop, paste) with alternative text, a
// word count, a preview of what Mastodon shows (title, summary, link), and autosave of drafts.
// No inline code anywhere: the pages' CSP allows scripts from this site's files only.
"use strict";
(function () {
  const form = document.getElementById("editor");
  if (!form) return;
  const body = document.getElementById("body");
  const preview = document.getElementById("preview");
  const csrf = form.querySelector("input[name=csrf]").value;
  const status = document.getElementById("autosave-status");
  let timer = null;
  // The interface text comes from the page (data-l-* on the form), in the blog's language.
  const text = form.dataset;
  const say = function (template, value) { return template.replace("%s", value); };

  async function render() {
    const params = new URLSearchParams({ csrf: csrf, body: body.value });
    try {
      const response = await fetch("/admin/preview", { method: "POST", body: params, credentials: "same-origin" });
      if (response.ok) {
        preview.innerHTML = await response.text();
        // The reading time as the post's page will show it, computed by the server.
        minutes = response.headers.get("X-Reading-Minutes") || minutes;
        countWords();
      }
    } catch (e) {
      // Offline: the preview waits for the next keystroke.
    }
  }

  // Word count, and the reading time of the last preview (the server's, as the page says it).
  const count = document.getElementById("word-count");
  let minutes = text.readingMinutes;
  function countWords() {
    const words = body.value.split(/\s+/).filter(function (w) { return w.length > 0; }).length;
    count.textContent = say(words === 1 ? text.lWordsOne : text.lWords, words) + " · " + say(text.lReadingTime, minutes);
  }

  // What Mastodon shows of an Article: its title, its summary (else the first paragraph), a link.
  const card = document.getElementById("mastodon-card");
  function updateCard() {
    const title = form.querySelector("input[name=title]").value;
    const summary = form.querySelector("textarea[name=summary]").value.trim();
    const first = body.value.split(/\n\s*\n/).map(function (p) { return p.trim(); })
      .find(function (p) { return p && !p.startsWith("#") && !p.startsWith("!["); }) || "";
    card.querySelector(".card-title").textContent = title;
    card.querySelector(".card-summary").textContent = (summary || first).replace(/[*_`#>\[\]]/g, "").slice(0, 500);
  }

  function changed() {
    clearTimeout(timer);
    timer = setTimeout(render, 300);
    countWords();
    updateCard();
    scheduleAutosave();
  }
  form.addEventListener("input", changed);

  // Toolbar and shortcuts: wrap the selection, or start the line.
  function wrap(before, after, placeholder) {
    const start = body.selectionStart, end = body.selectionEnd;
    const selected = body.value.slice(start, end) || placeholder;
    body.setRangeText(before + selected + after, start, end, "select");
    body.setSelectionRange(start + before.length, start + before.length + selected.length);
    body.focus();
    changed();
  }
  function linePrefix(prefix) {
    const start = body.value.lastIndexOf("\n", body.selectionStart - 1) + 1;
    body.setRangeText(prefix, start, start, "end");
    body.focus();
    changed();
  }
  const actions = {
    bold: function () { wrap("**", "**", "bold"); },
    italic: function () { wrap("*", "*", "italic"); },
    link: function () { wrap("[", "](https://)", "text"); },
    code: function () { wrap("`", "`", "code"); },
    heading: function () { linePrefix("## "); },
    quote: function () { linePrefix("> "); },
    list: function () { linePrefix("- "); },
  };
  const toolbar = document.getElementById("toolbar");
  toolbar.hidden = false;
  toolbar.addEventListener("click", function (event) {
    const action = event.target.closest("button[data-action]");
    if (action) { event.preventDefault(); actions[action.dataset.action](); }
  });
  body.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey)) return;
    const key = { b: "bold", i: "italic", k: "link", e: "code" }[event.key.toLowerCase()];
    if (key) { event.preventDefault(); actions[key](); }
    if (event.key.toLowerCase() === "s") { event.preventDefault(); autosave(); }
  });

  // Images: upload, then insert the Markdown where the cursor is.
  const upload = document.getElementById("upload");
  upload.hidden = false;
  const uploadStatus = document.getElementById("upload-status");
  const altInput = document.getElementById("upload-alt");
  async function send(file) {
    if (!file) { uploadStatus.textContent = text.lChooseImage; return; }
    let alt = altInput.value.trim();
    if (!alt) alt = (window.prompt(text.lDescribeImage, "") || "").trim();
    const data = new FormData();
    data.append("csrf", csrf);
    data.append("alt", alt);
    data.append("file", file);
    uploadStatus.textContent = text.lUploading;
    const response = await fetch("/admin/media", { method: "POST", body: data, headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) {
      const problem = await response.json().catch(function () { return { error: response.statusText }; });
      uploadStatus.textContent = say(text.lUploadFailed, problem.error);
      return;
    }
    const image = await response.json();
    const at = body.selectionStart;
    body.setRangeText("\n" + image.markdown + "\n", at, body.selectionEnd, "end");
    const cover = document.getElementById("cover_url");
    if (!cover.value) {
      cover.value = image.card;
      document.getElementById("cover_alt").value = image.alt;
    }
    altInput.value = "";
    uploadStatus.textContent = text.lInserted;
    changed();
  }
  const fileInput = document.getElementById("upload-file");
  document.getElementById("upload-button").addEventListener("click", function () { send(fileInput.files[0]); });
  body.addEventListener("dragover", function (event) { event.preventDefault(); body.classList.add("dropping"); });
  body.addEventListener("dragleave", function () { body.classList.remove("dropping"); });
  body.addEventListener("drop", function (event) {
    body.classList.remove("dropping");
    const file = Array.from(event.dataTransfer.files).find(function (f) { return f.type.startsWith("image/"); });
    if (file) { event.preventDefault(); send(file); }
  });
  body.addEventListener("paste", function (event) {
    const item = Array.from(event.clipboardData.items).find(function (i) { return i.type.startsWith("image/"); });
    if (item) { event.preventDefault(); send(item.getAsFile()); }
  });

  // Autosave: drafts (not published posts, whose saving is an Update to followers) are saved
  // a few seconds after the last change; a new post becomes a draft with its own address.
  const autosaves = form.dataset.autosave === "on";
  let saveTimer = null;
  function scheduleAutosave() {
    if (!autosaves) return;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(autosave, 2000);
  }
  async function autosave() {
    if (!autosaves || !form.querySelector("input[name=title]").value.trim()) return;
    const params = new URLSearchParams(new FormData(form));
    params.set("action", "draft");
    status.textContent = text.lSaving;
    try {
      const response = await fetch("/admin/posts/autosave", { method: "POST", body: params, headers: { Accept: "application/json" }, credentials: "same-origin" });
      const answer = await response.json().catch(function () { return { error: response.statusText }; });
      if (!response.ok) { status.textContent = say(text.lNotSaved, answer.error); return; }
      form.dataset.slug = answer.slug;
      form.querySelector("input[name=draft_of]").value = answer.slug;
      form.action = "/admin/posts/" + answer.slug;
      const slugInput = form.querySelector("input[name=slug]");
      if (slugInput) slugInput.value = answer.slug;
      if (window.location.pathname !== answer.edit) window.history.replaceState(null, "", answer.edit);
      status.textContent = say(text.lDraftSaved, new Date().toLocaleTimeString(document.documentElement.lang));
    } catch (e) {
      status.textContent = text.lOffline;
    }
  }

  render();
  countWords();
  updateCard();
})();
