// The Darkroom API from the browser: sign-in, JSON calls that turn problem documents into errors,
// and uploads through the presigned form with their progress.

export class ProblemError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || "http_" + status;
  }
}

let config = { api: "/v1", auth: "none" };
let token = null;

/** Reads config.json (where the API is, how to sign in) and any token already given. */
export async function start() {
  const answer = await fetch("config.json", { cache: "no-store" });
  if (answer.ok) config = await answer.json();
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    sessionStorage.setItem("darkroom.token", fromLink);
    history.replaceState(null, "", location.pathname + "#/");
  }
  if (config.auth === "cognito") await finishCognitoSignIn();
  token = sessionStorage.getItem("darkroom.token");
  return config;
}

export const needsSignIn = () => config.auth !== "none" && !token;
export const authKind = () => config.auth;

export function useToken(value) {
  token = value;
  sessionStorage.setItem("darkroom.token", value);
}

export function signOut() {
  token = null;
  sessionStorage.removeItem("darkroom.token");
}

// Cognito's hosted sign-in, authorization code with PKCE: no secret in the page.
export async function cognitoSignInURL() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  sessionStorage.setItem("darkroom.verifier", verifier);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const query = new URLSearchParams({
    response_type: "code", client_id: config.clientId, redirect_uri: config.redirectUri, scope: "openid email",
    code_challenge_method: "S256", code_challenge: challenge,
  });
  return `${config.authDomain}/oauth2/authorize?${query}`;
}

async function finishCognitoSignIn() {
  const code = new URLSearchParams(location.search).get("code");
  const verifier = sessionStorage.getItem("darkroom.verifier");
  if (!code || !verifier) return;
  const answer = await fetch(`${config.authDomain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", client_id: config.clientId, code, redirect_uri: config.redirectUri,
                                code_verifier: verifier }),
  });
  sessionStorage.removeItem("darkroom.verifier");
  history.replaceState(null, "", location.pathname + "#/");
  if (answer.ok) sessionStorage.setItem("darkroom.token", (await answer.json()).id_token);
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function headers(extra = {}) {
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

/** A JSON call to the API; a problem document becomes a ProblemError. */
export async function call(path, { method = "GET", body, query } = {}) {
  const url = new URL(config.api + path, location.href);
  for (const [name, value] of Object.entries(query || {})) if (value) url.searchParams.set(name, value);
  const answer = await fetch(url, {
    method, headers: headers(body ? { "Content-Type": "application/json" } : {}), body: body ? JSON.stringify(body) : undefined,
  });
  const type = answer.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await answer.json() : {};
  if (answer.status === 401) signOut();
  if (!answer.ok) throw new ProblemError(answer.status, data);
  return data;
}

/**
 * Uploads one file: asks for a form, posts the file through it with `onProgress(fraction)`.
 * Resolves to {uploadId} or, for bytes the owner already has, {imageId, duplicate: true}.
 */
export async function upload(file, onProgress) {
  const sha256 = await digest(file);
  const asked = await call("/uploads", {
    method: "POST", body: { filename: file.name, contentType: file.type || "application/octet-stream", bytes: file.size, sha256 },
  });
  if (asked.duplicate) return asked;
  const form = new FormData();
  for (const [name, value] of Object.entries(asked.post.fields)) form.append(name, value);
  form.append("file", file);
  await new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", asked.post.url);
    // darkroom serve's own upload route takes the token too; S3 must not see it (a POST policy
    // carries its own signature, and S3 refuses a second one).
    if (token && new URL(asked.post.url, location.href).origin === location.origin) {
      request.setRequestHeader("Authorization", `Bearer ${token}`);
    }
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) return resolve();
      let problem = {};
      try { problem = JSON.parse(request.responseText); } catch { problem = { detail: storageRefusal(request.responseText) }; }
      reject(new ProblemError(request.status, problem));
    };
    request.onerror = () => reject(new ProblemError(0, { detail: "The upload did not reach the storage." }));
    request.send(form);
  });
  onProgress(1);
  return asked;
}

function storageRefusal(xml) {
  const message = /<Message>([^<]*)<\/Message>/.exec(xml || "");
  return message ? message[1] : "The storage refused the file.";
}

async function digest(file) {
  if (file.size > 64 * 1024 * 1024 || !crypto.subtle) return undefined;
  const hash = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(hash), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Waits for an upload to end: polls its status with backoff (0.5 s, growing to 5 s), telling
 * `onStatus` each one. Resolves to the image once final.
 */
export async function settle(uploadId, onStatus) {
  let wait = 500;
  for (;;) {
    const answer = await fetch(new URL(`${config.api}/uploads/${uploadId}`, location.href), { headers: headers() });
    const data = await answer.json();
    if (!answer.ok) throw new ProblemError(answer.status, data);
    // A final upload answers 303 to its image; fetch follows it, so the image is what arrives.
    if (answer.redirected || data.variants) return data;
    onStatus(data.status);
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 1.5, 5000);
  }
}
