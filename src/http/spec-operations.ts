
/** What the HTTP layer needs to know of each operation of the spec, beyond what the validator checks. */
export type SpecOperation = {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The path template as the spec writes it, e.g. /users/{id}. */
  path: string;
  /** The path in Express's syntax: /users/{id} → /users/:id. */
  expressPath: string;
  /** Whether the operation needs a bearer token (its own `security`, else the document's). */
  secured: boolean;
  /** The `x-rate-limit` group the operation belongs to, if any (e.g. "registration"). */
  rateLimit: string | undefined;
};

type Document = {
  security?: unknown[];
  paths?: Record<string, Record<string, { operationId?: string; security?: unknown[]; 'x-rate-limit'?: string }>>;
};

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/**
 * The operations of the (parsed) spec, so that who may call what, and which limits apply, are
 * declared there and nowhere else.
 */
export function specOperations(spec: unknown): SpecOperation[] {
  const document = spec as Document;
  const rootSecured = (document.security ?? []).length > 0;
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => ({
        operationId: operation.operationId ?? `${method} ${path}`,
        method: method as SpecOperation['method'],
        path,
        expressPath: path.replace(/\{([^}]+)\}/g, ':$1'),
        secured: operation.security ? operation.security.length > 0 : rootSecured,
        rateLimit: operation['x-rate-limit'],
      })),
  );
}
