import { fileURLToPath } from 'node:url';

// The contract the validator enforces. This file compiles to dist/src/spec-path.js, two levels
// below the project root, so the same relative URL works for the compiled server and its tests.
export const specPath = fileURLToPath(new URL('../../openapi/openapi.yaml', import.meta.url));

/** The spec parsed by the build (see spec.ts), at the top of the compiled tree: dist/openapi.json. */
export const parsedSpecPath = fileURLToPath(new URL('../openapi.json', import.meta.url));

/** The spec's code samples, collected by the build from openapi/code-samples/ (see code-samples.ts): dist/code-samples.json. */
export const codeSamplesPath = fileURLToPath(new URL('../code-samples.json', import.meta.url));
