// The spec's documented responses, to check an answer that did not come from the service (the
// service's own answers are checked by its response validation in tests). JSON Schema 2020-12 as
// OpenAPI 3.1 uses it, through ajv; `$ref`s resolve inside the spec document itself.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { isEmailAddress } from '../../src/domain/email-address.js';
import { specPath } from '../../src/spec-path.js';

type Mapping = Record<string, unknown>;
const isMapping = (value: unknown): value is Mapping => typeof value === 'object' && value !== null && !Array.isArray(value);

const SPEC_ID = 'openapi.json';
const pointer = (segments: string[]) => `#${segments.map((s) => `/${encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))}`).join('')}`;

export type DocumentedResponse = {
  /** The media types the response documents (e.g. application/json), none for a body-less one. */
  mediaTypes: string[];
  /** The values of the examples documented for its body. */
  examples: unknown[];
  /** The problems with `body` (parsed JSON, or text) against its schema (none when it validates). */
  check(body: unknown): string[];
};

export function specResponses(file = specPath) {
  const spec = parse(readFileSync(file, 'utf8')) as Mapping;
  // addFormats' default export is typed for CommonJS interop: the function is the module itself.
  const formats = addFormats as unknown as (ajv: Ajv2020) => Ajv2020;
  const ajv = formats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false }));
  // ajv-formats has no `idn-email`: the service's own rule, as its validator applies it.
  ajv.addFormat('idn-email', { type: 'string', validate: isEmailAddress });
  ajv.addSchema(spec, SPEC_ID);

  /** Follows a local `$ref` (e.g. to #/components/responses/…) to the object it names, and its path. */
  const resolve = (value: unknown, at: string[]): [Mapping, string[]] => {
    if (isMapping(value) && typeof value.$ref === 'string' && value.$ref.startsWith('#/')) {
      const path = value.$ref
        .slice(2)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      return resolve(
        path.reduce<unknown>((node, key) => (isMapping(node) ? node[key] : undefined), spec),
        path,
      );
    }
    if (!isMapping(value)) throw new Error(`nothing documented at ${pointer(at)}`);
    return [value, at];
  };

  return {
    /** The response `operationId` documents for `status` (e.g. "200"). */
    response(operationId: string, status: string): DocumentedResponse {
      for (const [path, item] of Object.entries(spec.paths as Mapping)) {
        for (const [method, operation] of Object.entries(item as Mapping)) {
          if (!isMapping(operation) || operation.operationId !== operationId) continue;
          const [response, at] = resolve((operation.responses as Mapping)[status], ['paths', path, method, 'responses', status]);
          const content = isMapping(response.content) ? response.content : {};
          // Its JSON body (application/json or application/problem+json) when it has one, else its
          // only other (e.g. the metrics' text/plain), whose schema checks the text the same way.
          const media = Object.keys(content).find((type) => /^application\/(.+\+)?json$/.test(type)) ?? Object.keys(content)[0];
          const json = media === undefined ? undefined : content[media];
          const examples =
            isMapping(json) && isMapping(json.examples)
              ? Object.entries(json.examples).map(([name, example]) => resolve(example, [...at, 'content', media!, 'examples', name])[0].value)
              : [];
          const validate = isMapping(json) ? ajv.compile({ $ref: `${SPEC_ID}${pointer([...at, 'content', media!, 'schema'])}` }) : undefined;
          return {
            mediaTypes: Object.keys(content),
            examples,
            check: (body) =>
              validate === undefined
                ? body === undefined || body === ''
                  ? []
                  : ['a body where none is documented']
                : validate(body)
                  ? []
                  : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`),
          };
        }
      }
      throw new Error(`no operation ${operationId} in the spec`);
    },
  };
}
