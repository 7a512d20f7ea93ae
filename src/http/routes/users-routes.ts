import { Router, type Request, type Response } from 'express';
import type { ListUsersQuery, UserRegistration, User, UserIdParams, UserPage, UserPatch } from '../../contract.js';
import type { UsersService } from '../../domain/users-service.js';
import { accessOf } from '../middleware/access.js';
import { etagOf, ifMatchCondition, ifNoneMatchHits } from '../responses/conditional.js';
import { toUser } from '../responses/user-view.js';

const DEFAULT_PAGE_SIZE = 20;

/**
 * The Users resource. Requests reach these handlers only after express-openapi-validator has
 * checked them against the spec, so bodies, parameters and their types are as the spec says.
 */
export function usersRoutes(users: UsersService): Router {
  const router = Router();

  router.get('/users', async (req: Request<object, UserPage, unknown, ListUsersQuery>, res: Response<UserPage>) => {
    const { limit = DEFAULT_PAGE_SIZE, cursor, email, name } = req.query;
    const page = await users.list(accessOf(res), {
      limit,
      ...(cursor === undefined ? {} : { cursor }),
      ...(email === undefined ? {} : { email }),
      ...(name === undefined ? {} : { namePrefix: name }),
    });
    res.json({ items: page.items.map(toUser), nextCursor: page.nextCursor });
  });

  router.post('/users', async (req: Request<object, User, UserRegistration>, res: Response<User>) => {
    const created = await users.register(req.body);
    res.status(201).location(`/users/${created.id}`).set('ETag', etagOf(created.version)).json(toUser(created));
  });

  router.get('/users/:id', async (req: Request<UserIdParams>, res: Response<User>) => {
    const user = await users.get(accessOf(res), req.params.id);
    res.set('ETag', etagOf(user.version));
    if (ifNoneMatchHits(req.get('If-None-Match'), user.version)) {
      res.status(304).end();
      return;
    }
    res.json(toUser(user));
  });

  router.patch('/users/:id', async (req: Request<UserIdParams, User, UserPatch>, res: Response<User>) => {
    const updated = await users.update(accessOf(res), req.params.id, req.body, ifMatchCondition(req.get('If-Match')));
    res.set('ETag', etagOf(updated.version)).json(toUser(updated));
  });

  router.delete('/users/:id', async (req: Request<UserIdParams>, res: Response) => {
    await users.remove(accessOf(res), req.params.id, ifMatchCondition(req.get('If-Match')));
    res.status(204).end();
  });

  return router;
}
