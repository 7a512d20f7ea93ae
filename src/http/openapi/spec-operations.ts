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
  /**
   * The sets of `bearerAuth` scopes that each allow a secured operation (its security
   * requirements, any one of which suffices); empty for a public one.
   */
  scopeSets: string[][];
  /** The `x-rate-limit` group the operation belongs to, if any (e.g. "registration"). */
  rateLimit: string | undefined;
  /** The media types its request body may be sent as (none: it takes no body). */
  bodyMediaTypes: string[];
};

type SecurityRequirement = Record<string, unknown>;
type Document = {
  security?: SecurityRequirement[];
  paths?: Record<
    string,
    Record<string, { operationId?: string; security?: SecurityRequirement[]; 'x-rate-limit'?: string; requestBody?: { content?: Record<string, unknown> } }>
  >;
};

const scopesOf = (requirement: SecurityRequirement): string[] => {
  const scopes = requirement.bearerAuth;
  return Array.isArray(scopes) ? scopes.filter((scope): scope is string => typeof scope === 'string') : [];
};

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/**
 * The operations of the (parsed) spec, so that who may call what, and which limits apply, are
 * declared there and nowhere else.
 */
export function specOperations(spec: unknown): SpecOperation[] {
  const document = spec as Document;
  const root = document.security ?? [];
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => {
        const security = operation.security ?? root;
        return {
          operationId: operation.operationId ?? `${method} ${path}`,
          method: method as SpecOperation['method'],
          path,
          expressPath: path.replace(/\{([^}]+)\}/g, ':$1'),
          // An empty requirement (`{}`) lets anyone call it, as OpenAPI says.
          secured: security.length > 0 && security.every((requirement) => Object.keys(requirement).length > 0),
          scopeSets: security.map(scopesOf),
          rateLimit: operation['x-rate-limit'],
          bodyMediaTypes: Object.keys(operation.requestBody?.content ?? {}),
        };
      }),
  );
}

/** Every scope the spec's operations name, in the order they first appear. */
export function specScopes(spec: unknown): string[] {
  return [...new Set(specOperations(spec).flatMap((operation) => operation.scopeSets.flat()))];
}
