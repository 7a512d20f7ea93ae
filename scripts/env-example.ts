// `npm run env:example`: writes .env.example from src/config.ts (see scripts/lib/env-example.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEnvExample } from './lib/env-example.js';
import { findProjectRoot } from './lib/project-root.js';

writeFileSync(join(findProjectRoot(), '.env.example'), renderEnvExample());
process.stdout.write('wrote .env.example\n');
