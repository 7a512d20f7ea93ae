// The tutorial's update: renames the user with that email (deprecated: use PATCH /users/{id}).
import { createUsersClient } from '@users-api/client';

const users = createUsersClient({ baseUrl: process.env.USERS_API_URL ?? 'http://127.0.0.1:5000', token: process.env.USERS_API_TOKEN });

const { data, error, response } = await users.PATCH('/user', {
  body: { query: { email: process.env.USER_EMAIL! }, payload: { name: 'Ada King' } },
});
if (error) throw new Error(`${response.status} ${error.code}: ${error.detail}`);
console.log(response.status, response.statusText);
console.log(JSON.stringify(data, null, 2));
