// Builds the reference collection (postman/users-api.reference.postman_collection.json) from the
// contract and the captured examples (postman/src/reference/examples.json, written by
// npm run postman:capture): a folder per tag with its description, one request per operation
// named by its summary, its parameters documented, bodies from the spec's examples, bearer
// {{token}} at collection level, and a saved example for each documented status.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import postman, { type Collection, type HeaderDefinition, type RequestDefinition } from 'postman-collection';
import { parse } from 'yaml';
import { markdown, stableId } from './postman-build.js';
import { CAPTURE_TOKEN, type CapturedExample } from './reference-capture.js';

type Parameter = { name: string; in: string; description?: string; required?: boolean; example?: unknown; $ref?: string };
type Operation = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, unknown>;
};
type Spec = {
  info: { title: string; version: string; description?: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, unknown>>;
  components: { parameters: Record<string, Parameter> };
};

export function readReferenceSource(root: string): { spec: Spec; examples: CapturedExample[] } {
  return {
    spec: parse(readFileSync(join(root, 'openapi', 'openapi.yaml'), 'utf8')) as Spec,
    examples: JSON.parse(readFileSync(join(root, 'postman', 'src', 'reference', 'examples.json'), 'utf8')) as CapturedExample[],
  };
}

const resolve = (spec: Spec, parameter: Parameter): Parameter => (parameter.$ref ? spec.components.parameters[parameter.$ref.split('/').pop()!]! : parameter);
/** A parameter's example as a Postman value: a string as it is, anything else as its JSON. */
const exampleText = (example: unknown): string => (typeof example === 'string' ? example : example === undefined ? '' : JSON.stringify(example));
/** Path templates as Postman variables: /users/{id} → /users/{{userId}} (the create request's id). */
const postmanPath = (path: string) => path.replace('{id}', '{{userId}}');

/** The captured request with the collection's variables in place of what the capture server had. */
function originalRequest(example: CapturedExample): RequestDefinition {
  const header: HeaderDefinition[] = Object.entries(example.request.headers).map(([key, value]) => ({ key, value: value.replace(CAPTURE_TOKEN, '{{token}}') }));
  const definition: RequestDefinition = { method: example.request.method, url: `{{baseUrl}}${example.request.path}`, header };
  if (example.request.body !== undefined) definition.body = { mode: 'raw', raw: example.request.body };
  return definition;
}

export function buildReferenceCollection({ spec, examples }: ReturnType<typeof readReferenceSource>): Collection {
  const id = (...parts: string[]) => stableId('reference', ...parts);
  const collection = new postman.Collection({
    info: { _postman_id: id('collection'), name: `${spec.info.title} — reference`, description: markdown(spec.info.description ?? '') } as never,
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{token}}', type: 'string' }] } as never,
    variable: [
      { key: 'baseUrl', value: 'http://127.0.0.1:5000', type: 'string', description: markdown('Where the service listens; the environment overrides it.') },
      { key: 'token', value: '', type: 'string', description: markdown('A bearer token the service accepts; the environment sets it.') },
      {
        key: 'userId',
        value: '',
        type: 'string',
        description: markdown('The id of the user the *Register a user* request created (its test script sets it).'),
      },
    ] as never,
  });
  for (const tag of spec.tags) {
    const group = new postman.ItemGroup<postman.Item>({ id: id(tag.name), name: tag.name, description: markdown(tag.description) });
    // Registrations first: the one by one order of Send (register, then read, change, delete it).
    const entries = Object.entries(spec.paths).flatMap(([path, item]) => Object.entries(item).map(([method, value]) => ({ path, method, value })));
    entries.sort((a, b) => Number(b.method === 'post') - Number(a.method === 'post'));
    for (const { path, method, value } of entries) {
      {
        const operation = value as Operation;
        if (typeof operation !== 'object' || !operation.operationId || !operation.tags?.includes(tag.name)) continue;
        const parameters = (operation.parameters ?? []).map((parameter) => resolve(spec, parameter));
        const url = new postman.Url(`{{baseUrl}}${postmanPath(path)}`);
        for (const parameter of parameters.filter((p) => p.in === 'query'))
          url.addQueryParams([{ key: parameter.name, value: exampleText(parameter.example), disabled: true, description: parameter.description }]);
        const header: HeaderDefinition[] = parameters
          .filter((p) => p.in === 'header')
          .map((p) => ({ key: p.name, value: exampleText(p.example), disabled: true, description: p.description ?? '' }));
        const request: RequestDefinition = { method: method.toUpperCase(), url: url.toJSON(), header, description: markdown(`${operation.description ?? ''}`) };
        const content = operation.requestBody?.content ?? {};
        const [mediaType, media] = Object.entries(content)[0] ?? [];
        if (mediaType && media) {
          header.push({ key: 'Content-Type', value: mediaType });
          const example = Object.values(media.examples ?? {})[0]?.value;
          const body = example && typeof example === 'object' && 'email' in example ? { ...example, email: '{{$randomEmail}}' } : example;
          request.body = { mode: 'raw', raw: JSON.stringify(body ?? {}, null, 2), options: { raw: { language: 'json' } } } as RequestDefinition['body'];
        }
        const responses = examples
          .filter((example) => example.operationId === operation.operationId)
          .map((example) => ({
            id: id(operation.operationId, example.name),
            name: example.name,
            originalRequest: originalRequest(example),
            code: example.response.status,
            header: example.response.headers.map(([key, value]) => ({ key, value })),
            body: example.response.body,
            responseTime: 0,
          }));
        const events =
          operation.operationId === 'createUser'
            ? [
                {
                  listen: 'test',
                  script: {
                    id: id(operation.operationId, 'test'),
                    type: 'text/javascript',
                    exec: [
                      "// Keeps the new user's id for the requests on /users/{{userId}}.",
                      "if (pm.response.code === 201) pm.collectionVariables.set('userId', pm.response.json().id);",
                    ],
                  },
                },
              ]
            : [];
        group.items.add(
          new postman.Item({ id: id(operation.operationId), name: operation.summary, request, response: responses as never, event: events } as never),
        );
      }
    }
    collection.items.add(group);
  }
  return collection;
}
