// JSON bodies (form bodies only where a route declares them), with a size limit per route, and
// no prototype-polluting keys anywhere in the document: variables travel from here into FEEL and
// adapters, so `__proto__` and friends are refused at the edge rather than trusted downstream.

import express, { type RequestHandler } from 'express';
import { ValidationError } from '../../engine/errors.ts';
import { UnsupportedMediaTypeError } from './errors.ts';
import { checkBodyDepth } from './json-limits.ts';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function carriesBody(headers: Record<string, string | string[] | undefined>): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return typeof length === 'string' && Number(length) > 0;
}

export function jsonBody(limit: number, maxDepth: number): RequestHandler[] {
  const parse = express.json({ limit, strict: false, type: isJsonType });
  return [gateOn(isJsonType), parse, guard(maxDepth)];
}

/**
 * application/x-www-form-urlencoded, only for routes that declare it (Bitrix24 robots and
 * outbound webhooks can post nothing else). `extended` reads `auth[domain]` as nested objects;
 * the same reserved-key guard runs after it.
 */
export function formBody(limit: number, maxDepth: number): RequestHandler[] {
  const parse = express.urlencoded({ limit, extended: true, type: isFormType, parameterLimit: 1000 });
  return [gateOn(isFormType), parse, guard(maxDepth)];
}

function gateOn(accepts: (req: { headers: Record<string, string | string[] | undefined> }) => boolean): RequestHandler {
  return (req, _res, next) => {
    if (!carriesBody(req.headers)) {
      req.body = undefined;
      next();
      return;
    }
    if (!accepts(req)) {
      next(new UnsupportedMediaTypeError());
      return;
    }
    next();
  };
}

const guard = (maxDepth: number): RequestHandler => (req, _res, next) => {
  checkBodyDepth(req.body, maxDepth);
  const bad = findForbiddenKey(req.body);
  if (bad !== null) {
    next(new ValidationError(`The key "${bad.key}" is not allowed in a request body.`, [
      { path: `/body${bad.path}`, message: 'is a reserved key' },
    ]));
    return;
  }
  next();
};

function isFormType(req: { headers: Record<string, string | string[] | undefined> }): boolean {
  const type = req.headers['content-type'];
  return typeof type === 'string' && type.split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

function isJsonType(req: { headers: Record<string, string | string[] | undefined> }): boolean {
  const type = req.headers['content-type'];
  if (typeof type !== 'string') return false;
  const mime = type.split(';')[0]!.trim().toLowerCase();
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

/** Iterative walk: a deeply nested body must not overflow the stack. */
export function findForbiddenKey(root: unknown): { key: string; path: string } | null {
  const stack: { value: unknown; path: string }[] = [{ value: root, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: `${path}/${i}` }));
      continue;
    }
    for (const key of Object.keys(value)) {
      const childPath = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (FORBIDDEN_KEYS.has(key)) return { key, path: childPath };
      stack.push({ value: (value as Record<string, unknown>)[key], path: childPath });
    }
  }
  return null;
}
