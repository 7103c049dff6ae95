// The gallery: uploads with progress and live status, a grid of thumbnails (newest first, more on
// scroll), filters, and an image page. Routes: #/ (the grid) and #/images/{imageId}.
import * as api from "./api.js";

const $ = (selector) => document.querySelector(selector);

const REASONS = {
  unsupported_format: "This file is not a photo format Darkroom reads (JPEG, PNG, WebP, GIF, TIFF, HEIC, AVIF).",
  corrupt: "The image data is damaged and cannot be read.",
  empty: "The file is empty.",
  too_large: "The file is larger than Darkroom accepts.",
  too_many_pixels: "The image has more pixels than Darkroom accepts.",
  too_many_frames: "The animation has more frames than Darkroom accepts.",
  extreme_aspect_ratio: "The image is too long and thin to make thumbnails of.",
  source_missing: "The upload disappeared before it could be processed.",
  bad_key: "The upload's name is not one Darkroom can store.",
  upload_reused: "This upload form was already used for another photo; each form takes one.",
  flagged: "Moderation held this photo back.",
};

const describeReason = (image) =>
  REASONS[image.reason] ||
  (image.detail && (image.reference ? `${image.detail} (reference ${image.reference})` : image.detail)) ||
  (image.status === "QUARANTINED" ? REASONS.flagged : "It could not be processed.");

const state = { cursor: null, loading: false, filters: {} };
// Photos per page of the grid (?pageSize=N changes it: the tests page through a few photos).
const PAGE_SIZE = String(Math.min(Math.max(Number(new URLSearchParams(location.search).get("pageSize")) || 24, 1), 100));

// ---- routing ----------------------------------------------------------------------------------

async function route() {
  if (api.needsSignIn()) return showSignIn();
  $("#signin").hidden = true;
  const match = /^#\/images\/([0-9a-f]{32})$/.exec(location.hash);
  $("#gallery").hidden = Boolean(match);
  $("#image").hidden = !match;
  if (match) await showImage(match[1]);
  else if (!$("#grid").childElementCount) await reload();
}

function showSignIn() {
  $("#gallery").hidden = true;
  $("#image").hidden = true;
  $("#signin").hidden = false;
  const cognito = api.authKind() === "cognito";
  $("#token-form").hidden = cognito;
  $("#signin-cognito").hidden = !cognito;
  if (cognito) api.cognitoSignInURL().then((url) => ($("#cognito-link").href = url));
  else $("#token").focus();
}

// ---- the grid ---------------------------------------------------------------------------------

// One candidate per width, narrowest first (a rendition is never enlarged, so two presets wider
// than the photo come out the same width).
function byWidth(candidates) {
  const seen = new Set();
  return [...candidates].sort((a, b) => a.width - b.width).filter((c) => !seen.has(c.width) && seen.add(c.width));
}

// The stored variants in one format that are the whole picture (the photo's shape): never a
// cropped square, which a narrow tile at 1x would otherwise pick.
function wholeVariants(image, format) {
  const shape = image.width && image.height ? image.width / image.height : null;
  return byWidth(image.variants.filter((v) => v.format === format && (!shape || Math.abs(v.width / v.height - shape) < 0.02 * shape)));
}

function pictureOf(image, sizes) {
  const picture = document.createElement("picture");
  // The fit-inside renditions, each negotiated to AVIF, WebP or JPEG by the browser's Accept: one
  // srcset. Without them, the stored variants: WebP where the browser takes it, else JPEG.
  const renditions = byWidth(Object.values(image.renditions || {}).filter((r) => r.fit === "fit"));
  const webps = renditions.length ? [] : wholeVariants(image, "webp");
  if (webps.length) {
    const source = document.createElement("source");
    source.type = "image/webp";
    source.srcset = webps.map((v) => `${v.url} ${v.width}w`).join(", ");
    source.sizes = sizes;
    picture.append(source);
  }
  const jpegs = renditions.length ? renditions : wholeVariants(image, "jpeg");
  const img = document.createElement("img");
  img.srcset = jpegs.map((v) => `${v.url} ${v.width}w`).join(", ");
  img.sizes = sizes;
  img.src = (jpegs.find((v) => v.width >= 300) || jpegs[jpegs.length - 1] || {}).url || "";
  img.alt = altText(image);
  img.loading = "lazy";
  img.decoding = "async";
  if (image.width && image.height) { img.width = image.width; img.height = image.height; }
  picture.append(img);
  return picture;
}

function altText(image) {
  const parts = ["Photo"];
  if (image.camera) parts.push(`taken with ${image.camera}`);
  if (image.takenAt) parts.push(`on ${formatDate(image.takenAt)}`);
  if (image.width) parts.push(`(${image.width} × ${image.height})`);
  return parts.join(" ");
}

function tile(image) {
  const item = document.createElement("li");
  item.className = "tile";
  item.dataset.imageId = image.imageId;
  item.dataset.status = image.status;
  const link = document.createElement("a");
  link.href = `#/images/${image.imageId}`;
  if (image.status === "COMPLETED" && image.variants.length) {
    link.append(pictureOf(image, "(max-width: 480px) 45vw, 220px"));
  } else {
    const note = document.createElement("div");
    note.className = "placeholder";
    note.innerHTML = `<strong></strong><span></span>`;
    note.querySelector("strong").textContent = statusWords(image.status);
    note.querySelector("span").textContent = image.status === "REJECTED" || image.status === "QUARANTINED" || image.status === "FAILED"
      ? describeReason(image) : "Being processed…";
    link.setAttribute("aria-label", `${statusWords(image.status)}: ${note.querySelector("span").textContent}`);
    link.append(note);
  }
  item.append(link);
  return item;
}

const statusWords = (status) => ({ COMPLETED: "Ready", PROCESSING: "Processing", REJECTED: "Rejected",
  QUARANTINED: "Held back", FAILED: "Failed", WAITING: "Uploading", UPLOADED: "Uploaded", ERASED: "Deleted" }[status] || status);

async function reload() {
  state.cursor = null;
  $("#grid").replaceChildren();
  await loadMore();
}

async function loadMore() {
  if (state.loading) return;
  state.loading = true;
  $("#list-error").hidden = true;
  try {
    const page = await api.call("/images", { query: { ...state.filters, limit: PAGE_SIZE, cursor: state.cursor } });
    const known = new Set([...$("#grid").children].map((item) => item.dataset.imageId));
    for (const image of page.items) if (!known.has(image.imageId)) $("#grid").append(tile(image));
    rememberCameras(page.items);
    state.cursor = page.cursor || null;
    $("#more-button").hidden = !state.cursor;
    $("#empty").hidden = $("#grid").childElementCount > 0;
  } catch (error) {
    $("#list-error").textContent = error.message;
    $("#list-error").hidden = false;
    if (error.status === 401) route();
  } finally {
    state.loading = false;
  }
  // The observer tells only when the end comes into view: if it is still in view (a short page),
  // the next page follows now.
  const end = $("#more").getBoundingClientRect();
  if (state.cursor && !$("#gallery").hidden && end.top < window.innerHeight) await loadMore();
}

function rememberCameras(items) {
  const list = $("#cameras");
  const known = new Set([...list.options].map((option) => option.value));
  for (const camera of items.map((item) => item.camera).filter(Boolean)) {
    if (known.has(camera)) continue;
    known.add(camera);
    list.append(new Option(camera));
  }
}

// More as the end of the grid comes into view.
new IntersectionObserver((entries) => {
  if (entries.some((entry) => entry.isIntersecting) && state.cursor && !$("#gallery").hidden) loadMore();
}).observe($("#more"));

// ---- uploads ----------------------------------------------------------------------------------

function uploadRow(file) {
  const row = document.createElement("li");
  row.className = "upload";
  row.innerHTML = `<span class="name"></span><progress max="1" value="0"></progress><span class="state">Waiting</span>`;
  row.querySelector(".name").textContent = file.name;
  row.querySelector("progress").setAttribute("aria-label", `Upload of ${file.name}`);
  $("#uploads").prepend(row);
  return row;
}

async function uploadOne(file) {
  const row = uploadRow(file);
  const say = (text, kind) => {
    row.querySelector(".state").textContent = text;
    row.dataset.state = kind || "";
  };
  try {
    say("Uploading");
    const asked = await api.upload(file, (fraction) => (row.querySelector("progress").value = fraction));
    if (asked.duplicate) {
      say("Already in your photos", "done");
      row.dataset.imageId = asked.imageId;
      return;
    }
    say("Uploaded");
    const image = await api.settle(asked.uploadId, (status) => say(statusWords(status)));
    row.dataset.imageId = image.imageId;
    if (image.status === "COMPLETED") say("Ready", "done");
    else say(`${statusWords(image.status)}: ${describeReason(image)}`, "refused");
    const grid = $("#grid");
    if (!grid.querySelector(`[data-image-id="${image.imageId}"]`) && noFilterSet()) grid.prepend(tile(image));
    $("#empty").hidden = grid.childElementCount > 0;
  } catch (error) {
    say(error.message, "refused");
  }
}

// A new upload joins the grid only when no filter is set: what a filter lets through is the API's to say.
const noFilterSet = () => !Object.values(state.filters).some(Boolean);

function uploadAll(files) {
  for (const file of files) uploadOne(file);
}

$("#files").addEventListener("change", (event) => {
  uploadAll([...event.target.files]);
  event.target.value = "";
});

for (const name of ["dragenter", "dragover"]) {
  document.addEventListener(name, (event) => {
    event.preventDefault();
    $("#drop").classList.add("active");
  });
}
document.addEventListener("dragleave", (event) => { if (!event.relatedTarget) $("#drop").classList.remove("active"); });
document.addEventListener("drop", (event) => {
  event.preventDefault();
  $("#drop").classList.remove("active");
  if (event.dataTransfer?.files?.length) {
    if (location.hash.startsWith("#/images/")) location.hash = "#/";
    uploadAll([...event.dataTransfer.files]);
  }
});

// ---- filters ----------------------------------------------------------------------------------

$("#filters").addEventListener("change", () => {
  const form = new FormData($("#filters"));
  state.filters = Object.fromEntries([...form.entries()].filter(([, value]) => value));
  reload();
});
$("#filters").addEventListener("reset", () => setTimeout(() => { state.filters = {}; reload(); }));

// ---- the image page ---------------------------------------------------------------------------

function formatBytes(bytes) {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${Math.round(bytes / 1e3)} kB` : `${bytes} B`;
}

function formatDate(text) {
  const date = new Date(text.length === 19 ? text + "Z" : text);
  return isNaN(date) ? text : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: text.length === 19 ? "UTC" : undefined });
}

function exposure(metadata) {
  const parts = [];
  if (metadata.exposure_time) parts.push(metadata.exposure_time >= 1 ? `${metadata.exposure_time} s` : `1/${Math.round(1 / metadata.exposure_time)} s`);
  if (metadata.f_number) parts.push(`f/${metadata.f_number}`);
  if (metadata.iso) parts.push(`ISO ${metadata.iso}`);
  if (metadata.focal_length) parts.push(`${metadata.focal_length} mm`);
  return parts.join(", ");
}

function detail(list, term, value) {
  if (value === undefined || value === null || value === "") return;
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  if (value instanceof Node) dd.append(value); else dd.textContent = value;
  list.append(dt, dd);
}

async function showImage(imageId) {
  $("#image").setAttribute("aria-busy", "true");
  let image;
  try {
    image = await api.call(`/images/${imageId}`);
  } catch (error) {
    $("#image-title").textContent = error.status === 404 ? "There is no such photo." : error.message;
    $("#frame").replaceChildren();
    $("#image").removeAttribute("aria-busy");
    return;
  }
  const metadata = image.metadata || {};
  $("#image-title").textContent = altText(image);
  const frame = $("#frame");
  frame.replaceChildren();
  if (image.variants.length) {
    frame.append(pictureOf(image, "(max-width: 800px) 100vw, 800px"));
    const img = frame.querySelector("img");
    img.loading = "eager";
    img.alt = altText(image);
    for (const [index, face] of (image.faces || []).entries()) {
      const box = document.createElement("div");
      box.className = "face";
      box.title = `Face ${index + 1} (${Math.round(face.confidence)}%)`;
      box.setAttribute("role", "img");
      box.setAttribute("aria-label", box.title);
      Object.assign(box.style, { left: `${face.left * 100}%`, top: `${face.top * 100}%`, width: `${face.width * 100}%`, height: `${face.height * 100}%` });
      frame.append(box);
    }
  } else {
    const note = document.createElement("p");
    note.className = "placeholder large";
    note.textContent = image.status === "COMPLETED" ? "No sizes were made." : describeReason(image);
    frame.append(note);
  }
  $("#image-status").textContent = image.status === "COMPLETED" ? "Ready" : `${statusWords(image.status)}: ${describeReason(image)}`;
  $("#image-status").dataset.status = image.status;

  const list = $("#details");
  list.replaceChildren();
  detail(list, "Camera", image.camera);
  detail(list, "Lens", metadata.lens);
  detail(list, "Exposure", exposure(metadata));
  detail(list, "Taken", metadata.taken_at && formatDate(metadata.taken_at));
  detail(list, "Size", image.width && `${image.width} × ${image.height} pixels`);
  detail(list, "Format", metadata.format && `${metadata.format.toUpperCase()}, ${formatBytes(metadata.bytes)}`);
  if (metadata.gps_latitude != null && metadata.gps_longitude != null) {
    const map = document.createElement("a");
    map.href = `https://www.openstreetmap.org/?mlat=${metadata.gps_latitude}&mlon=${metadata.gps_longitude}#map=15/${metadata.gps_latitude}/${metadata.gps_longitude}`;
    map.textContent = `${metadata.gps_latitude.toFixed(5)}, ${metadata.gps_longitude.toFixed(5)} (map)`;
    map.rel = "noopener noreferrer";
    map.target = "_blank";
    detail(list, "Place", map);
  }
  detail(list, "Uploaded", formatDate(image.createdAt));

  const rows = image.variants.map((variant) => {
    const row = document.createElement("tr");
    const link = document.createElement("a");
    link.href = variant.url;
    link.textContent = variant.name;
    const cells = [link, variant.format.toUpperCase(), `${variant.width} × ${variant.height}`, formatBytes(variant.bytes)];
    for (const value of cells) {
      const cell = document.createElement("td");
      cell.append(value);
      row.append(cell);
    }
    row.dataset.bytes = variant.bytes;
    return row;
  });
  $("#variants").replaceChildren(...rows);

  const moderation = image.moderation;
  $("#moderation").textContent = !moderation || moderation.status === "skipped" ? "Not moderated."
    : moderation.labels.length ? `${moderation.status === "flagged" ? "Held back" : "Passed"}: ${moderation.labels.join(", ")}.`
    : "Passed, nothing found.";
  const faces = (image.faces || []).length;
  if (faces) $("#moderation").textContent += ` ${faces} face${faces > 1 ? "s" : ""} found (outlined on the photo).`;

  const stages = image.stages || [];
  const start = Math.min(...stages.map((stage) => Date.parse(stage.startedAt)));
  const end = Math.max(...stages.map((stage) => Date.parse(stage.endedAt || stage.startedAt)));
  const span = Math.max(end - start, 1);
  $("#trail").replaceChildren(...stages.map((stage) => {
    const item = document.createElement("li");
    item.dataset.outcome = stage.outcome;
    const offset = Date.parse(stage.startedAt) - start;
    item.innerHTML = `<span class="stage-name"></span><span class="track"><span class="span"></span></span><span class="took"></span>`;
    item.querySelector(".stage-name").textContent = stage.stage;
    item.querySelector(".took").textContent = stage.durationMs != null ? `${stage.durationMs} ms` : stage.outcome;
    Object.assign(item.querySelector(".span").style, { left: `${(offset / span) * 100}%`,
      width: `${Math.max(((stage.durationMs || 0) / span) * 100, 1)}%` });
    item.title = `${stage.stage}: ${stage.outcome}${stage.detail ? " — " + stage.detail : ""}`;
    return item;
  }));

  const similar = $("#similar");
  similar.replaceChildren();
  $("#similar-none").hidden = true;
  if (image.status === "COMPLETED") {
    try {
      const found = await api.call(`/images/${imageId}/similar`);
      similar.append(...found.items.map(tile));
      $("#similar-none").hidden = found.items.length > 0;
    } catch {
      $("#similar-none").hidden = false;
    }
  }
  $("#delete").onclick = () => confirmDelete(imageId);
  $("#image").removeAttribute("aria-busy");
  $("#image-title").focus?.();
}

function confirmDelete(imageId) {
  const dialog = $("#confirm");
  dialog.returnValue = "";
  dialog.onclose = async () => {
    if (dialog.returnValue !== "delete") return;
    try {
      await api.call(`/images/${imageId}`, { method: "DELETE" });
      $("#grid").querySelector(`[data-image-id="${imageId}"]`)?.remove();
      location.hash = "#/";
    } catch (error) {
      $("#image-status").textContent = error.message;
    }
  };
  dialog.showModal();
}

// ---- start ------------------------------------------------------------------------------------

$("#token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  api.useToken($("#token").value);
  $("#token").value = "";
  route();
});
$("#more-button").addEventListener("click", loadMore);
window.addEventListener("hashchange", route);

await api.start();
route();
