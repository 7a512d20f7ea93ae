import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

type SpecCheck = { validate(document: unknown): { errors: unknown[] } };
type SpecCheckClass = (new (options: { version: string; validateApiSpec: boolean }) => SpecCheck) & { lazy?: true };
type SpecCheckModule = { OpenAPISchemaValidator: SpecCheckClass };

/**
 * express-openapi-validator 5.6 compiles the OpenAPI metaschema into an ajv validator at every
 * start (framework/index.js builds an OpenAPISchemaValidator), also with `validateApiSpec: false`,
 * when nothing ever calls it: time spent after the service listens and before the first request
 * can be validated (figures: docs/performance.md), and the compiled code's memory for the life of the
 * process. This defers the compilation to the first `validate` call, so the check still runs,
 * unchanged, where the spec is checked (the tests' mode). The framework reads the export when it
 * starts, so replacing it in the module instance the validator loaded is enough. Idempotent.
 */
export function compileSpecCheckOnlyWhenUsed(): void {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('express-openapi-validator');
  const mod = require(join(dirname(entry), 'framework', 'openapi.schema.validator.js')) as SpecCheckModule;
  if (mod.OpenAPISchemaValidator.lazy) return;
  const Eager = mod.OpenAPISchemaValidator;
  class Lazy implements SpecCheck {
    static readonly lazy = true as const;
    private check: SpecCheck | undefined;
    constructor(private readonly options: { version: string; validateApiSpec: boolean }) {}
    validate(document: unknown): { errors: unknown[] } {
      this.check ??= new Eager(this.options);
      return this.check.validate(document);
    }
  }
  mod.OpenAPISchemaValidator = Lazy;
}
