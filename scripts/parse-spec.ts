// The build's last steps: writes the spec parsed, beside the compiled code (see src/spec.ts), and
// the code samples the served contract shows (see scripts/lib/code-samples.ts), failing the build
// when an operation lacks one.
import { loadSpec, writeParsedSpec } from '../src/spec.js';
import { CodeSampleError, writeCodeSamples } from './lib/code-samples.js';

writeParsedSpec();
try {
  writeCodeSamples(loadSpec().document);
} catch (error) {
  if (!(error instanceof CodeSampleError)) throw error;
  process.stderr.write(`build failed: ${error.message}\n`);
  process.exitCode = 1;
}
