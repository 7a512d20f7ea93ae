// The tutorial's delete: deletes the user with that email (deprecated: use DELETE /users/{id}).
import { createUsersClient } from '@users-api/client';

const users = createUsersClient({ baseUrl: process.env.USERS_API_URL ?? 'http://127.0.0.1:5000', token: process.env.USERS_API_TOKEN });

const { error, response } = await users.DELETE('/delete', { body: { email: process.env.USER_EMAIL! } });
if (error) throw new Error(`${response.status} ${error.code}: ${error.detail}`);
console.log(response.status, response.statusText);
