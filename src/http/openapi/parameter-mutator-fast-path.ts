import { createRequire } from 'node:module';

type Parameter = { in?: string; content?: unknown; style?: string; explode?: boolean };
type Mutator = {
  _apiDocs: unknown;
  ajv: unknown;
  modifyRequest: (this: Mutator, req: MutatedRequest) => void;
};
type MutatorClass = { prototype: Mutator & { modifyRequest: Mutator['modifyRequest'] & { fastPath?: true } } };
type MutatedRequest = { originalUrl: string; openapi?: { schema?: { parameters?: readonly unknown[] } } };
type ParserUtil = {
  dereferenceParameter(apiDocs: unknown, parameter: unknown): Parameter;
  normalizeParameter(ajv: unknown, parameter: Parameter): { schema: { type?: unknown } };
};

const NO_PARAMETERS: readonly unknown[] = [];

/**
 * Whether modifyRequest does nothing to a request without a query string on an operation with
 * these parameters: it rewrites only query parameters, `content` parameters (parsed as JSON),
 * arrays (split by their delimiter) and form-exploded ones, and the bracket notation of query
 * keys, which an empty query has none of.
 */
function onlyPlainPathAndHeaderParameters(mutator: Mutator, util: ParserUtil, parameters: readonly unknown[]): boolean {
  return parameters.every((raw) => {
    const parameter = util.dereferenceParameter(mutator._apiDocs, raw);
    if ((parameter.in !== 'path' && parameter.in !== 'header') || parameter.content !== undefined) return false;
    const { schema } = util.normalizeParameter(mutator.ajv, parameter);
    return schema.type !== 'array' && !(parameter.style === 'form' && parameter.explode);
  });
}

/**
 * express-openapi-validator 5.6 rewrites each request's parameters to the spec's styles
 * (req.parameter.mutator.js, modifyRequest) and starts by parsing the whole URL with the
 * deprecated `url.parse`, the costliest step of the validator on `GET /users/{id}` (--cpu-prof).
 * For a request without a query string on an operation whose parameters are all plain path and
 * header values, the method changes nothing: this returns before it starts. The verdict is kept
 * per operation's parameter list (the validator's own objects, made once from the spec), so the
 * cache is bounded by the spec. Every other request takes the validator's own path. Idempotent.
 */
export function skipParameterMutationWhenNothingToMutate(): void {
  const require = createRequire(import.meta.url);
  // The package has no `exports` map: its compiled files are reachable by path.
  const parsers = (file: string) => require(`express-openapi-validator/dist/middlewares/parsers/${file}`) as unknown;
  const { RequestParameterMutator } = parsers('req.parameter.mutator.js') as { RequestParameterMutator: MutatorClass };
  const util = parsers('util.js') as ParserUtil;
  const original = RequestParameterMutator.prototype.modifyRequest;
  if (original.fastPath) return;
  const verdicts = new WeakMap<readonly unknown[], boolean>();
  const modifyRequest = function (this: Mutator, req: MutatedRequest): void {
    const parameters = req.openapi?.schema?.parameters ?? NO_PARAMETERS;
    if (!req.originalUrl.includes('?')) {
      let plain = verdicts.get(parameters);
      if (plain === undefined) {
        plain = onlyPlainPathAndHeaderParameters(this, util, parameters);
        verdicts.set(parameters, plain);
      }
      if (plain) return;
    }
    original.call(this, req);
  };
  RequestParameterMutator.prototype.modifyRequest = Object.assign(modifyRequest, { fastPath: true as const });
}
