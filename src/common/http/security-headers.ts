// SPDX-License-Identifier: Apache-2.0
import type { NextFunction, Request, Response } from 'express';

// The API answers JSON only: nothing in it may run, be framed, or load anything.
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
// Swagger UI (/docs) loads its own scripts, styles and /openapi.json from this origin, draws icons
// from data: URLs and keeps a few inline <style> blocks; nothing else, and nothing from elsewhere.
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
export const HSTS = 'max-age=31536000';

const DOCS_PATH = /^\/docs(\/|$)/;

// A dozen lines instead of helmet: its defaults (a CSP for HTML pages, headers for features the
// API never serves) would still need overriding for /docs and for API answers, and the headers
// each answer needs fit here. Set before routing, so errors and public routes carry them too.
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  const docs = DOCS_PATH.test(req.path);
  res.setHeader('Content-Security-Policy', docs ? DOCS_CSP : API_CSP);
  // Documents are per caller and change with every write; the static docs assets may be cached.
  if (!docs) res.setHeader('Cache-Control', 'no-store');
  // Only over https (req.secure honours X-Forwarded-Proto from a TRUST_PROXY proxy): a browser
  // ignores it over http, and sending it there would pin a plain-http deployment to nothing.
  if (req.secure) res.setHeader('Strict-Transport-Security', HSTS);
  next();
}
