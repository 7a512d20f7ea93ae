// One user and its ETag. Send the ETag back in If-None-Match to get 304 while it is unchanged.
import { createUsersClient } from '@users-api/client';

const users = createUsersClient({ baseUrl: process.env.USERS_API_URL ?? 'http://127.0.0.1:5000', token: process.env.USERS_API_TOKEN });

const { data, error, response } = await users.GET('/users/{id}', { params: { path: { id: process.env.USER_ID! } } });
if (error) throw new Error(`${response.status} ${error.code}: ${error.detail}`);
console.log(response.status, response.statusText);
console.log('ETag:', response.headers.get('ETag'));
console.log(JSON.stringify(data, null, 2));
