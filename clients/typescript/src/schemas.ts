// Names for the spec's schemas, as openapi-typescript generates them into ./generated/openapi.ts
// from openapi/openapi.yaml at build time. Aliases only: no shape is written here by hand.
import type { components, operations } from './generated/openapi.js';

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
