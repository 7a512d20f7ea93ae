// Builds the conformance collection (postman/users-api.postman_collection.json) from its source,
// postman/src/conformance/: collection.yaml (info, auth, variables), collection.prerequest.js and
// collection.test.js (the collection-level scripts; the first defines the helpers the requests'
// scripts share), and one NN-operation.yaml per folder, in order, each listing its requests with
// their scripts. See postman/src/README.md.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postman, { type Collection, type HeaderDefinition, type ItemDefinition, type RequestAuthDefinition, type RequestDefinition } from 'postman-collection';
import { parse } from 'yaml';
import { markdown, scriptEvent, stableId } from './postman-build.js';

/** A request header: its value, or its value and a description. */
type SourceHeader = string | { value: string; description: string };

/** One request of a folder file, as written in the source. */
export type SourceRequest = {
  name: string;
  description: string;
  method: string;
  /** The URL with its query, e.g. {{baseUrl}}/users?limit=2. */
  url: string;
  queryDescriptions?: Record<string, string>;
  headers?: Record<string, SourceHeader>;
  /** `none` (no auth) or a bearer token of its own; absent: the collection's auth. */
  auth?: 'none' | { bearer: string };
  /** A raw body, by the language Postman shows it in. */
  body?: { json: string } | { text: string };
  prerequest?: string;
  test?: string;
};

export type SourceFolder = { file: string; name: string; description: string; requests: SourceRequest[] };

export type ConformanceSource = {
  info: { _postman_id: string; name: string; description: string };
  auth: RequestAuthDefinition;
  variable: { key: string; value: string; type: string; description: string }[];
  prerequest: string;
  test: string;
  folders: SourceFolder[];
};

const conformanceSourceDir = (root: string) => join(root, 'postman', 'src', 'conformance');

export function readConformanceSource(root: string): ConformanceSource {
  const dir = conformanceSourceDir(root);
  const collection = parse(readFileSync(join(dir, 'collection.yaml'), 'utf8')) as Pick<ConformanceSource, 'info' | 'auth' | 'variable'>;
  const folders = readdirSync(dir)
    .filter((file) => /^\d\d-[a-z0-9-]+\.yaml$/.test(file))
    .sort()
    .map((file) => ({ file, ...(parse(readFileSync(join(dir, file), 'utf8')) as Omit<SourceFolder, 'file'>) }));
  return {
    ...collection,
    prerequest: readFileSync(join(dir, 'collection.prerequest.js'), 'utf8'),
    test: readFileSync(join(dir, 'collection.test.js'), 'utf8'),
    folders,
  };
}

function requestAuth(auth: SourceRequest['auth']): RequestAuthDefinition | undefined {
  if (auth === undefined) return undefined;
  if (auth === 'none') return { type: 'noauth' };
  return { type: 'bearer', bearer: [{ key: 'token', value: auth.bearer, type: 'string' }] };
}

function requestDefinition(request: SourceRequest, where: string): RequestDefinition {
  const url = new postman.Url(request.url);
  for (const [key, description] of Object.entries(request.queryDescriptions ?? {})) {
    const param = url.query.find((entry) => entry.key === key, undefined);
    if (!param) throw new Error(`${where}: queryDescriptions names ${key}, which the URL has not`);
    param.description = description;
  }
  const header: HeaderDefinition[] = Object.entries(request.headers ?? {}).map(([key, value]) =>
    typeof value === 'string' ? { key, value } : { key, value: value.value, description: value.description },
  );
  const definition: RequestDefinition = { url: url.toJSON(), method: request.method, header, description: markdown(request.description) };
  const auth = requestAuth(request.auth);
  if (auth) definition.auth = auth;
  if (request.body) {
    const [language, raw] = 'json' in request.body ? ['json', request.body.json] : ['text', request.body.text];
    definition.body = { mode: 'raw', raw, options: { raw: { language } } } as RequestDefinition['body'];
  }
  return definition;
}

export function buildConformanceCollection(source: ConformanceSource): Collection {
  const id = (...parts: string[]) => stableId('conformance', ...parts);
  const collection = new postman.Collection({
    info: { ...source.info, description: markdown(source.info.description) },
    auth: source.auth,
    variable: source.variable.map((variable) => ({ ...variable, description: markdown(variable.description) })),
    event: [scriptEvent('prerequest', source.prerequest, id('prerequest')), scriptEvent('test', source.test, id('test'))],
  });
  for (const folder of source.folders) {
    const group = new postman.ItemGroup<postman.Item>({ id: id(folder.name), name: folder.name, description: markdown(folder.description) });
    for (const request of folder.requests) {
      const where = `${folder.file}: ${request.name}`;
      const events = (['prerequest', 'test'] as const).flatMap((listen) => {
        const script = request[listen];
        return script === undefined ? [] : [scriptEvent(listen, script, id(folder.name, request.name, listen))];
      });
      const item: ItemDefinition & { event: typeof events } = {
        id: id(folder.name, request.name),
        name: request.name,
        request: requestDefinition(request, where),
        event: events,
      };
      group.items.add(new postman.Item(item));
    }
    collection.items.add(group);
  }
  return collection;
}
