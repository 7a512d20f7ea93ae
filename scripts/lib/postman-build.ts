// What the two generated Postman collections share: stable ids, Markdown descriptions, script
// events from source text, and the JSON as it is committed (so a rebuild gives the same bytes).
import { createHash } from 'node:crypto';
import postman, { type Collection, type DescriptionDefinition, type EventDefinition } from 'postman-collection';

/** A UUID (version 5 layout) derived from the parts: the same item gets the same id on every build. */
export function stableId(...parts: string[]): string {
  const hex = createHash('sha1').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A description Postman renders as Markdown (a plain string would be stored as text/plain). */
export function markdown(content: string): DescriptionDefinition {
  return { content: content.replace(/\s+$/, ''), type: 'text/markdown' };
}

/** A test or pre-request event running `source` (its lines become the script's exec). */
export function scriptEvent(listen: 'prerequest' | 'test', source: string, id: string): EventDefinition {
  return { listen, script: { id, type: 'text/javascript', exec: source.replace(/\n$/, '').split('\n') } };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A request URL object with the `raw` form Postman's own exports carry, for people reading the JSON. */
function withRawUrls(value: Json, raw: (url: { [key: string]: Json }) => string): Json {
  if (Array.isArray(value)) return value.map((entry) => withRawUrls(entry, raw));
  if (value === null || typeof value !== 'object') return value;
  const copy: { [key: string]: Json } = {};
  for (const [key, entry] of Object.entries(value)) {
    copy[key] = key === 'url' && entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? { raw: raw(entry), ...entry } : withRawUrls(entry, raw);
  }
  return copy;
}

/** The collection's JSON as committed: the SDK's v2.1 form, its internal `_` key left out, and URLs with their raw form. */
export function collectionJson(collection: Collection): string {
  const { _: internal, ...definition } = collection.toJSON() as unknown as { [key: string]: Json };
  void internal;
  const json = withRawUrls(definition, (url) => new postman.Url(url).toString());
  return `${JSON.stringify(json, null, 2)}\n`;
}
