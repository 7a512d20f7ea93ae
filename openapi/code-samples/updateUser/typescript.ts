// Renames a user with a JSON Merge Patch, only if it is still at version ETAG (else 412).
import { createUsersClient } from '@users-api/client';

const users = createUsersClient({ baseUrl: process.env.USERS_API_URL ?? 'http://127.0.0.1:5000', token: process.env.USERS_API_TOKEN });

const { data, error, response } = await users.PATCH('/users/{id}', {
  params: { path: { id: process.env.USER_ID! }, header: { 'If-Match': process.env.ETAG! } },
  body: { name: 'Ada King' },
});
if (error) throw new Error(`${response.status} ${error.code}: ${error.detail}`);
console.log(response.status, response.statusText);
console.log('ETag:', response.headers.get('ETag'));
console.log(JSON.stringify(data, null, 2));
