// The build's last step: writes the spec parsed, beside the compiled code (see src/spec.ts).
import { writeParsedSpec } from '../src/spec.js';

writeParsedSpec();
