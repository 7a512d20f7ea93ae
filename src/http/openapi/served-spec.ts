import { createRequire } from 'node:module';
import type { JwtConfig } from '../../config.js';
import { misdirectedRequestDetail } from '../middleware/loopback-host.js';
import type { Spec } from '../../spec.js';

type Mapping = Record<string, unknown>;
const isMapping = (value: unknown): value is Mapping => typeof value === 'object' && value !== null && !Array.isArray(value);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** What the served contract's introduction says first when the service runs in local mode. */
const LOCAL_MODE_NOTE =
  '> **This server runs in local mode.** It was started without `API_TOKENS` or a JWT provider (`JWT_*`), so it asks for no ' +
  'token and answers on its loopback address only. It also answers only requests addressed to that address ' +
  '(`Host: 127.0.0.1:<port>` or `localhost:<port>`) and refuses any other with `421 MISDIRECTED_REQUEST`, so that a web ' +
  'page cannot reach it through a name pointed at 127.0.0.1 (DNS rebinding). This document is the contract of that server: ' +
  'without the bearer tokens (and their 401, 403 and 429 answers) that `openapi/openapi.yaml`, the ' +
  'canonical contract, declares for a service started with `API_TOKENS` or `JWT_*`, and with the 421 every operation may answer.\n\n';

/** The served contract's name for local mode's answer to a request addressed to another host. */
const MISDIRECTED = 'MisdirectedRequest';

/** That answer, documented as the canonical contract documents every error (with an example). */
function misdirectedResponse(): Mapping {
  return {
    description:
      'The request was not addressed to this server by its loopback address and port (`Host: 127.0.0.1:<port>`, ' +
      '`localhost:<port>`, `[::1]:<port>`, or the name `HOST` gave it): another name, another port, or no `Host`. In local mode the server ' +
      'asks for no token, so it answers nobody else; otherwise a web page whose name points at 127.0.0.1 ' +
      "(DNS rebinding) could read and change every user from its visitors' browsers.",
    content: {
      'application/problem+json': {
        schema: { $ref: '#/components/schemas/Problem' },
        examples: {
          misdirected: {
            summary: 'A request addressed to another host',
            value: {
              type: '/problems/misdirected-request',
              title: 'Misdirected request',
              status: 421,
              detail: misdirectedRequestDetail('127.0.0.1', 5000, ['localhost']),
              instance: '/users',
              code: 'MISDIRECTED_REQUEST',
            },
          },
        },
      },
    },
  };
}

/** Which tokens the running server asks for: none (local mode), static ones, JWTs from a provider. */
export type AuthMode = { tokens: boolean; jwt?: Pick<JwtConfig, 'issuer' | 'audience' | 'claims'> | undefined };

/** What the served contract's bearerAuth scheme adds when the server accepts a provider's JWTs. */
function providerNote(jwt: NonNullable<AuthMode['jwt']>): string {
  return (
    `\n**This server** accepts JWT access tokens issued by \`${jwt.issuer}\` for the audience \`${jwt.audience}\`. ` +
    `It reads their scopes from the \`${jwt.claims.scope}\` claim, and the caller's email from \`${jwt.claims.email}\`, ` +
    `which counts only when \`${jwt.claims.emailVerified}\` is true.\n`
  );
}

/**
 * The contract of the server that is running: what /openapi.json, /openapi.yaml and /docs serve
 * and what the validator enforces. With static tokens only it is `openapi/openapi.yaml` itself,
 * byte for byte; with a JWT provider the `bearerAuth` scheme also names the provider and the
 * claims read, so a client knows where to get a token.
 * In local mode no operation asks for a token, so a document that declared one would be
 * wrong for every client, SDK generator and fuzzer that reads it: this one declares no security
 * requirement and no security scheme, drops the answers only tokens cause (401, 403, and 429 where the
 * only limit is the one on wrong tokens), adds the 421 every operation answers to a request
 * addressed to another host (src/http/middleware/loopback-host.ts), and says why in its introduction. The
 * canonical file stays what types and clients are generated from.
 */
export function servedSpec(spec: Spec, mode: AuthMode): Spec {
  if (mode.tokens && !mode.jwt) return spec;
  const document = structuredClone(spec.document);
  if (!isMapping(document)) return spec;
  if (mode.jwt) {
    const scheme =
      isMapping(document.components) && isMapping(document.components.securitySchemes) ? document.components.securitySchemes.bearerAuth : undefined;
    if (isMapping(scheme)) scheme.description = `${typeof scheme.description === 'string' ? scheme.description : ''}${providerNote(mode.jwt)}`;
    return { yaml: stringifyYaml(document), document };
  }
  delete document.security;
  if (!isMapping(document.components)) document.components = {};
  const components = document.components as Mapping;
  delete components.securitySchemes;
  if (!isMapping(components.responses)) components.responses = {};
  (components.responses as Mapping)[MISDIRECTED] = misdirectedResponse();
  if (isMapping(document.info)) {
    const description = typeof document.info.description === 'string' ? document.info.description : '';
    document.info.description = LOCAL_MODE_NOTE + description;
  }
  for (const item of Object.values(isMapping(document.paths) ? document.paths : {})) {
    if (!isMapping(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isMapping(operation)) continue;
      delete operation.security;
      if (!isMapping(operation.responses)) continue;
      delete operation.responses['401'];
      delete operation.responses['403'];
      if (operation['x-rate-limit'] === undefined) delete operation.responses['429'];
      operation.responses['421'] = { $ref: `#/components/responses/${MISDIRECTED}` };
    }
  }
  return { yaml: stringifyYaml(document), document };
}

function stringifyYaml(document: unknown): Buffer {
  // Loaded only when the document differs from the file: otherwise the file's own bytes are served.
  const { stringify } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return Buffer.from(stringify(document, { lineWidth: 0 }));
}

/**
 * The served contract with `servers` naming where it is served (`baseUrl`), so that "Try it",
 * generated clients and fuzzers reach this server rather than the canonical file's local
 * development address. Only the top-level `servers` block of the YAML is rewritten: every other
 * byte stays the file's. The validator keeps the document it was given (its `servers` decide no
 * path: a proxy may serve the API under a prefix it strips).
 */
export function servedAt(spec: Spec, baseUrl: string): Spec {
  if (!isMapping(spec.document)) return spec;
  const current = spec.document.servers;
  if (Array.isArray(current) && current.length === 1 && isMapping(current[0]) && current[0].url === baseUrl) return spec;
  const servers = [{ url: baseUrl, description: 'This server: where this document is served.' }];
  const document = { ...spec.document, servers };
  const lines = spec.yaml.toString('utf8').split('\n');
  const start = lines.findIndex((line) => /^servers:\s*$/.test(line));
  const block = [`servers:`, `  - url: ${JSON.stringify(baseUrl)}`, `    description: ${JSON.stringify(servers[0]?.description)}`];
  if (start < 0) {
    lines.splice(
      lines.findIndex((line) => /^paths:\s*$/.test(line)),
      0,
      ...block,
    );
  } else {
    let end = start + 1;
    while (end < lines.length && /^(\s|$)/.test(lines[end] ?? '')) end++;
    lines.splice(start, end - start, ...block);
  }
  return { yaml: Buffer.from(lines.join('\n')), document };
}
