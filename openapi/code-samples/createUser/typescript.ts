// Registers a user (no token needed). The answer's ETag is the user's version, for If-Match later.
import { createUsersClient } from '@users-api/client';

const users = createUsersClient({ baseUrl: process.env.USERS_API_URL ?? 'http://127.0.0.1:5000' });

const { data, error, response } = await users.POST('/users', { body: { name: 'Ada Lovelace', email: process.env.USER_EMAIL! } });
if (error) throw new Error(`${response.status} ${error.code}: ${error.detail}`);
console.log(response.status, response.statusText);
console.log('ETag:', response.headers.get('ETag'));
console.log(JSON.stringify(data, null, 2));
