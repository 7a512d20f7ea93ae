// The metrics in the Prometheus text format (the token needs the metrics:read scope).
import { createUsersClient } from '@users-api/client';

const users = createUsersClient({ baseUrl: process.env.USERS_API_URL ?? 'http://127.0.0.1:5000', token: process.env.USERS_API_TOKEN });

const { data, error, response } = await users.GET('/metrics', { parseAs: 'text' });
if (error) throw new Error(`${response.status} ${error.code}: ${error.detail}`);
console.log(response.status, response.statusText);
console.log(data);
