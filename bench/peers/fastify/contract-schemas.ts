// The fastify peer's JSON Schemas, read from the contract at start rather than written again:
// per operation its path, query and header parameters, its JSON request body and its JSON 2xx
// responses, as openapi/openapi.yaml states them. The component schemas they use are handed to
// Fastify once each, by name (`$id` "User", referred to as "User#"), as Fastify shares schemas.
import { loadSpec } from '../../../src/spec.js';

export type Schema = { [keyword: string]: unknown };

type Reference = { $ref: string };
type Parameter = { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required?: boolean; schema: Schema };
type Content = Record<string, { schema?: Schema }>;
type Operation = {
  parameters?: (Parameter | Reference)[];
  requestBody?: { content: Content } | Reference;
  responses: Record<string, { content?: Content } | Reference>;
};
type Document = {
  paths: Record<string, Record<string, unknown> & { parameters?: (Parameter | Reference)[] }>;
  components: { schemas: Record<string, Schema> };
};

export type RouteSchema = { params?: Schema; querystring?: Schema; headers?: Schema; body?: Schema; response: Record<string, Schema> };

const SCHEMA_REF = /^#\/components\/schemas\/([^/]+)$/;

const isReference = (node: unknown): node is Reference => typeof node === 'object' && node !== null && typeof (node as Reference).$ref === 'string';

/** A JSON media type: application/json, or a +json one such as application/merge-patch+json. */
const isJson = (mediaType: string): boolean => mediaType === 'application/json' || mediaType.endsWith('+json');

export class ContractSchemas {
  private readonly document: Document;
  private readonly used = new Set<string>();

  constructor(document: unknown = loadSpec().document) {
    this.document = document as Document;
  }

  /** The schemas of one operation, by its method and its path as the spec writes it (`/users/{id}`). */
  route(method: string, path: string): RouteSchema {
    const item = this.document.paths[path];
    const operation = item?.[method.toLowerCase()] as Operation | undefined;
    if (!item || !operation) throw new Error(`the contract has no ${method} ${path}`);
    const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((node) => this.resolve<Parameter>(node));
    const route: RouteSchema = { response: {} };
    for (const [location, part] of [
      ['path', 'params'],
      ['query', 'querystring'],
      ['header', 'headers'],
    ] as const) {
      const own = parameters.filter((parameter) => parameter.in === location);
      if (own.length === 0) continue;
      // Fastify hands header names in lower case.
      const name = (parameter: Parameter) => (location === 'header' ? parameter.name.toLowerCase() : parameter.name);
      const required = own.filter((parameter) => parameter.required).map(name);
      route[part] = {
        type: 'object',
        properties: Object.fromEntries(own.map((parameter) => [name(parameter), this.named(parameter.schema)])),
        ...(required.length > 0 ? { required } : {}),
      };
    }
    const body = operation.requestBody === undefined ? undefined : this.jsonSchema(this.resolve<{ content: Content }>(operation.requestBody).content);
    if (body) route.body = body;
    for (const [status, node] of Object.entries(operation.responses)) {
      const schema = /^2\d\d$/.test(status) ? this.jsonSchema(this.resolve<{ content?: Content }>(node).content) : undefined;
      if (schema) route.response[status] = schema;
    }
    return route;
  }

  /** The component schemas the routes asked for so far, and those they refer to, for app.addSchema. */
  shared(): Schema[] {
    const pending = [...this.used];
    const done = new Map<string, Schema>();
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      if (done.has(name)) continue;
      const schema = this.document.components.schemas[name];
      if (!schema) throw new Error(`the contract has no schema ${name}`);
      const before = new Set(this.used);
      done.set(name, { $id: name, ...this.named(schema) });
      pending.push(...[...this.used].filter((other) => !before.has(other)));
    }
    return [...done.values()];
  }

  private jsonSchema(content: Content | undefined): Schema | undefined {
    const entry = Object.entries(content ?? {}).find(([mediaType]) => isJson(mediaType));
    return entry?.[1].schema === undefined ? undefined : this.named(entry[1].schema);
  }

  /** A deep copy with every `#/components/schemas/X` turned into Fastify's shared "X#". */
  private named(node: Schema): Schema {
    const copy = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(copy);
      if (typeof value !== 'object' || value === null) return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, child]) => {
          const match = key === '$ref' && typeof child === 'string' ? SCHEMA_REF.exec(child) : null;
          if (!match?.[1]) return [key, copy(child)];
          this.used.add(match[1]);
          return [key, `${match[1]}#`];
        }),
      );
    };
    return copy(node) as Schema;
  }

  /** A parameter, request body or response given by reference, looked up in the document. */
  private resolve<T>(node: T | Reference): T {
    if (!isReference(node)) return node;
    if (!node.$ref.startsWith('#/')) throw new Error(`only local references are followed, not ${node.$ref}`);
    const target = node.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, segment) => (at as Record<string, unknown> | undefined)?.[segment.replace(/~1/g, '/').replace(/~0/g, '~')], this.document);
    if (target === undefined) throw new Error(`the contract has nothing at ${node.$ref}`);
    return this.resolve(target as T | Reference);
  }
}
