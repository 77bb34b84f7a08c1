// The editor's live preview (the server renders the Markdown exactly as it will publish it)
// and image upload into the text. Without this script the editor still works.
"use strict";
(function () {
  const form = document.getElementById("editor");
  if (!form) return;
  const body = document.getElementById("body");
  const preview = document.getElementById("preview");
  const csrf = form.querySelector("input[name=csrf]").value;
  let timer = null;

  async function render() {
    const params = new URLSearchParams({ csrf: csrf, body: body.value });
    try {
      const response = await fetch("/admin/preview", { method: "POST", body: params, credentials: "same-origin" });
      if (response.ok) preview.innerHTML = await response.text();
    } catch (e) {
      // Offline: the preview waits for the next keystroke.
    }
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(render, 300);
  });
  render();

  const upload = document.getElementById("upload");
  upload.hidden = false;
  document.getElementById("upload-button").addEventListener("click", async function () {
    const file = document.getElementById("upload-file").files[0];
    const status = document.getElementById("upload-status");
    if (!file) { status.textContent = "Choose an image first."; return; }
    const data = new FormData();
    data.append("csrf", csrf);
    data.append("alt", document.getElementById("upload-alt").value);
    data.append("file", file);
    status.textContent = "Uploading…";
    const response = await fetch("/admin/media", { method: "POST", body: data, headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({ error: response.statusText }));
      status.textContent = "Upload failed: " + problem.error;
      return;
    }
    const image = await response.json();
    const at = body.selectionStart;
    body.value = body.value.slice(0, at) + "\n" + image.markdown + "\n" + body.value.slice(at);
    const cover = document.getElementById("cover_url");
    if (!cover.value) {
      cover.value = image.card;
      document.getElementById("cover_alt").value = image.alt;
    }
    status.textContent = "Inserted.";
    render();
  });
})();
