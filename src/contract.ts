// Names for the schemas of openapi/openapi.yaml, as generated into generated/openapi.ts.
// Aliases only: every shape here is produced by openapi-typescript, never written by hand.
import type { components, operations } from '../generated/openapi.js';

type Schemas = components['schemas'];

export type User = Schemas['User'];
export type UserRegistration = Schemas['UserRegistration'];
export type UserPatch = Schemas['UserPatch'];
export type UserPage = Schemas['UserPage'];
export type LegacyUpdate = Schemas['LegacyUpdate'];
export type LegacyDelete = Schemas['LegacyDelete'];
export type Problem = Schemas['Problem'];
export type ValidationIssue = Schemas['ValidationIssue'];
export type Health = Schemas['Health'];
export type ProblemCode = Problem['code'];

export type ListUsersQuery = NonNullable<operations['listUsers']['parameters']['query']>;
export type LegacyListUsersQuery = NonNullable<operations['legacyListUsers']['parameters']['query']>;
export type UserIdParams = operations['getUser']['parameters']['path'];
