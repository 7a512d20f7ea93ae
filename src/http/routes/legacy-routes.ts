import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { LegacyDelete, LegacyListUsersQuery, LegacyUpdate, UserRegistration, User } from '../../contract.js';
import type { UsersService } from '../../domain/users-service.js';
import { accessOf } from '../middleware/access.js';
import { toUser } from '../responses/user-view.js';

/** When the legacy routes were deprecated: 2026-11-25T00:00:00Z (RFC 9745 wants a date). */
export const DEPRECATED_AT = Date.UTC(2026, 10, 25) / 1000;
const LEGACY_PATHS = new Set(['/user', '/register', '/delete']);

/**
 * Marks every response of a legacy route, errors included, as deprecated (RFC 9745) and
 * points to its successor. Installed before body parsing and validation so that a 400, 413 or
 * 415 carries it too.
 */
export const deprecationHeaders: RequestHandler = (req, res, next) => {
  if (LEGACY_PATHS.has(req.path)) {
    res.set('Deprecation', `@${DEPRECATED_AT}`).set('Link', '</users>; rel="successor-version"');
  }
  next();
};

/**
 * The Flask tutorial's four routes with its bodies, made safe: the spec admits only the listed
 * fields with string values, and the domain builds every database filter itself.
 */
export function legacyRoutes(users: UsersService): Router {
  const router = Router();

  router.get('/user', async (req: Request<object, User[], unknown, LegacyListUsersQuery>, res: Response<User[]>) => {
    res.json((await users.legacyList(accessOf(res), req.query.email)).map(toUser));
  });

  router.post('/register', async (req: Request<object, User | string, UserRegistration>, res: Response<User | string>) => {
    const created = await users.register(req.body);
    res.status(201).location(`/users/${created.id}`);
    // The tutorial answered "<name> -> <email>" as text; JSON is the default.
    if (req.accepts(['application/json', 'text/plain']) === 'text/plain') {
      res.type('text/plain').send(`${created.name} -> ${created.email}`);
      return;
    }
    res.json(toUser(created));
  });

  router.patch('/user', async (req: Request<object, User, LegacyUpdate>, res: Response<User>) => {
    res.json(toUser(await users.legacyUpdate(accessOf(res), req.body)));
  });

  router.delete('/delete', async (req: Request<object, unknown, LegacyDelete>, res: Response) => {
    await users.legacyRemove(accessOf(res), req.body.email);
    res.status(204).end();
  });

  return router;
}
