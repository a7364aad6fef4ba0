// Users, sign-in and bearer tokens. Users and sessions live in the store's generic collections,
// so both backends keep them. Tokens are random and opaque; only their sha256 is stored, so a
// copy of the database does not hand out sessions.

import { createHash, randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../engine/errors.ts';
import type { Doc, DocCollection, Store } from '../../engine/store/port.ts';
import { TooManyRequestsError, UnauthenticatedError } from '../http/errors.ts';
import type { AuthUser, Role } from '../http/route.ts';
import type { AuditTrail } from '../services/audit.ts';
import { burnVerification, hashPassword, verifyPassword } from './passwords.ts';
import { LoginThrottle, type ThrottleOptions } from './throttle.ts';

export interface UserDoc extends Doc {
  username: string;
  displayName: string;
  roles: Role[];
  groups: string[];
  passwordHash: string;
  createdAt: string;
}

export interface SessionDoc extends Doc {
  username: string;
  createdAt: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface NewUser {
  username: string;
  password: string;
  displayName?: string;
  roles: Role[];
  groups?: string[];
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  user: AuthUser;
}

export interface IdentityOptions {
  tokenTtlMs: number;
  throttle: ThrottleOptions;
  /** Wall-clock time: sessions follow real time even when the engine runs on a test clock. */
  now?: () => number;
  /** Where sign-ins, sign-outs and new users are recorded. */
  audit?: AuditTrail;
}

export class IdentityService {
  readonly users: DocCollection<UserDoc>;
  private readonly sessions: DocCollection<SessionDoc>;
  private readonly throttle: LoginThrottle;
  private readonly now: () => number;

  constructor(store: Store, private readonly options: IdentityOptions) {
    this.users = store.collection<UserDoc>({ name: 'users', indexes: ['username'], unique: ['username'] });
    this.sessions = store.collection<SessionDoc>({ name: 'sessions', indexes: ['username'] });
    this.throttle = new LoginThrottle(options.throttle);
    this.now = options.now ?? Date.now;
  }

  async login(username: string, password: string, ip: string): Promise<LoginResult> {
    const key = LoginThrottle.key(username, ip);
    const wait = this.throttle.retryAfter(key, this.now());
    if (wait > 0) {
      await this.options.audit?.record('auth.login-failed', [username], { throttled: true }, username);
      throw new TooManyRequestsError(`Too many failed sign-ins; try again in ${wait} s.`, wait);
    }
    const doc = await this.users.get(username);
    const valid = doc ? await verifyPassword(password, doc.passwordHash) : (await burnVerification(password), false);
    if (!doc || !valid) {
      this.throttle.fail(key, this.now());
      // The name that was tried, never the password; `knownUser` tells guessing from typos.
      await this.options.audit?.record('auth.login-failed', [username], { knownUser: doc !== null }, username);
      throw new UnauthenticatedError('Wrong username or password.');
    }
    this.throttle.succeed(key);
    await this.dropExpiredSessions(doc.username);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.options.tokenTtlMs;
    await this.sessions.insert({
      id: tokenHash(token),
      username: doc.username,
      createdAt: new Date(this.now()).toISOString(),
      expiresAt,
    });
    await this.options.audit?.record('auth.login-succeeded', [doc.username], { ip }, doc.username);
    return { token, expiresAt: new Date(expiresAt).toISOString(), user: toAuthUser(doc) };
  }

  async logout(token: string): Promise<void> {
    const id = tokenHash(token);
    const session = await this.sessions.get(id);
    await this.sessions.delete(id);
    if (session) await this.options.audit?.record('auth.logout', [session.username], {}, session.username);
  }

  async authenticate(token: string): Promise<AuthUser | null> {
    const id = tokenHash(token);
    const session = await this.sessions.get(id);
    if (!session) return null;
    if (session.expiresAt <= this.now()) {
      await this.sessions.delete(id);
      return null;
    }
    const doc = await this.users.get(session.username);
    return doc ? toAuthUser(doc) : null;
  }

  async createUser(input: NewUser): Promise<AuthUser> {
    if (await this.users.get(input.username)) {
      throw new ConflictError(`A user named "${input.username}" already exists.`);
    }
    const doc = await this.users.insert({
      id: input.username,
      username: input.username,
      displayName: input.displayName?.trim() || input.username,
      roles: [...new Set(input.roles)],
      groups: [...new Set(input.groups ?? [])],
      passwordHash: await hashPassword(input.password),
      createdAt: new Date(this.now()).toISOString(),
    });
    await this.options.audit?.record('user.created', [doc.username], { roles: doc.roles, groups: doc.groups });
    return toAuthUser(doc);
  }

  async getUser(username: string): Promise<AuthUser> {
    const doc = await this.users.get(username);
    if (!doc) throw new NotFoundError(`No user named "${username}".`);
    return toAuthUser(doc);
  }

  async listUsers(): Promise<AuthUser[]> {
    const docs = await this.users.find({ orderBy: 'username' });
    return docs.map(toAuthUser);
  }

  async countUsers(): Promise<number> {
    return this.users.count();
  }

  private async dropExpiredSessions(username: string): Promise<void> {
    const now = this.now();
    for (const s of await this.sessions.find({ where: { username } })) {
      if (s.expiresAt <= now) await this.sessions.delete(s.id);
    }
  }
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function toAuthUser(doc: UserDoc): AuthUser {
  return { username: doc.username, displayName: doc.displayName, roles: [...doc.roles], groups: [...doc.groups] };
}
