// Calls to the REST API with the session cookie: unsafe methods echo the cloudcti_csrf cookie
// in X-CSRF-Token, as the API requires for cookie-authenticated requests.
export function csrfToken() {
  const found = document.cookie.split("; ").find((part) => part.startsWith("cloudcti_csrf="));
  return found ? decodeURIComponent(found.slice("cloudcti_csrf=".length)) : "";
}

export async function api(method, url, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const error = new Error(data?.detail ?? String(response.status));
    error.status = response.status;
    throw error;
  }
  return data;
}
