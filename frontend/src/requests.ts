// The server calls the editor makes: same origin, authenticated by the session cookie. Failures
// become Errors whose message is the server's own words when it gave some.

async function failure(response: Response): Promise<Error> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && typeof body.message === "string" && body.message) message = body.message;
  } catch {
    // Not JSON: the status says enough.
  }
  return new Error(message);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" }, signal });
  if (!response.ok) throw await failure(response);
  return response.json() as Promise<T>;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  return response.json() as Promise<T>;
}

/** A page or blog post found by title (`GET /rest/quicknav/1/search`). */
export interface FoundContent {
  id: string;
  name: string;
  className: string;
  spaceKey: string;
  spaceName: string;
}

export async function searchTitles(query: string, signal?: AbortSignal): Promise<FoundContent[]> {
  const answer = await getJson<{ contentNameMatches?: FoundContent[][] }>(
    `/rest/quicknav/1/search?query=${encodeURIComponent(query)}`, signal);
  return (answer.contentNameMatches ?? []).flat();
}

/** Someone who can be @mentioned (`GET /rest/cairn/1/editor/users`). */
export interface SuggestedUser {
  userKey: string;
  username: string;
  displayName: string;
}

export async function suggestUsers(query: string): Promise<SuggestedUser[]> {
  const answer = await getJson<{ results?: SuggestedUser[] }>(
    `/rest/cairn/1/editor/users?query=${encodeURIComponent(query)}&limit=8`);
  return answer.results ?? [];
}

/** The file names of a page's attachments (`GET /rest/api/content/{id}/child/attachment`). */
export async function attachmentNames(contentId: string): Promise<string[]> {
  const answer = await getJson<{ results?: Array<{ title: string }> }>(
    `/rest/api/content/${encodeURIComponent(contentId)}/child/attachment?limit=200`);
  return (answer.results ?? []).map((attachment) => attachment.title);
}

/**
 * Attaches `file` to the content, as a new version when a file of that name is attached already
 * (as Confluence's editor does); resolves to the attachment's file name as stored.
 */
export async function uploadAttachment(contentId: string, file: File, filename = file.name): Promise<string> {
  const form = new FormData();
  form.append("file", file, filename);
  const response = await fetch(`/rest/api/content/${encodeURIComponent(contentId)}/child/attachment?allowDuplicated=true`, {
    method: "POST",
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-Atlassian-Token": "no-check" },
    body: form,
  });
  if (!response.ok) throw await failure(response);
  const answer = (await response.json()) as { results?: Array<{ title?: string }> };
  return answer.results?.[0]?.title ?? filename;
}

/** Cleans pasted HTML or Markdown on the server (`POST /rest/cairn/1/editor/paste`). */
export async function cleanPaste(format: "html" | "markdown", value: string): Promise<{ type: "doc"; content?: unknown[] }> {
  const answer = await postJson<{ document: { type: "doc"; content?: unknown[] } }>(
    "/rest/cairn/1/editor/paste", { format, value });
  return answer.document;
}
