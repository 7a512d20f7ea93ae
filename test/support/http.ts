/** A small fetch wrapper for tests: JSON in, status + headers + parsed body out. */
export type Reply = { status: number; headers: Headers; body: unknown; text: string };

export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(baseUrl + path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const parsed = /json/.test(type) && text ? (JSON.parse(text) as unknown) : undefined;
  return { status: response.status, headers: response.headers, body: parsed, text };
}
