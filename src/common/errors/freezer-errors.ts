// SPDX-License-Identifier: Apache-2.0
// The errors services throw, named after freezer's (common/exceptions.py). Each knows its status and
// title; FreezerExceptionFilter renders them as {"title", "description"} (D3, D19).
export class FreezerError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = new.target.name;
  }
}

export class BadDataFormatError extends FreezerError {
  constructor(description: string) {
    super(400, 'Bad request format', description);
  }
}

export class MalformedJsonError extends FreezerError {
  constructor(description: string) {
    super(400, 'Malformed JSON', description);
  }
}

export class InvalidParameterError extends FreezerError {
  constructor(name: string, reason: string) {
    super(400, 'Invalid parameter', `The "${name}" parameter is invalid. ${reason}`);
  }
}

export class UnauthorizedError extends FreezerError {
  constructor(description: string, headers: Record<string, string> = {}) {
    super(401, 'Unauthorized', description, headers);
  }
}

export class AccessForbiddenError extends FreezerError {
  constructor() {
    super(403, 'Access Forbidden', 'You are not allowed to access this resource');
  }
}

export class DocumentNotFoundError extends FreezerError {
  constructor(description: string) {
    super(404, 'Not Found', description);
  }
}

export class RouteNotFoundError extends FreezerError {
  constructor(path: string) {
    super(404, '404 Not Found', `The resource ${path} does not exist`);
  }
}

export class MethodNotAllowedError extends FreezerError {
  constructor(method: string, allowed: string[]) {
    super(405, '405 Method Not Allowed', `${method} is not allowed here; allowed: ${allowed.join(', ')}`, {
      Allow: allowed.join(', '),
    });
  }
}

export class NotAcceptableError extends FreezerError {
  constructor() {
    super(406, 'Not Acceptable', 'Freezer-api only supports responses encoded as JSON.');
  }
}

export class DocumentExistsError extends FreezerError {
  constructor(description: string) {
    super(409, 'Document already existing', description);
  }
}

export class PreconditionFailedError extends FreezerError {
  constructor(currentVersion: number | null) {
    super(
      412,
      'Precondition Failed',
      currentVersion === null ? 'If-Match was given but the document does not exist' : `If-Match does not match the current version "${currentVersion}"`,
    );
  }
}

export class PayloadTooLargeError extends FreezerError {
  constructor(limit: number) {
    super(413, 'Payload Too Large', `The request body is larger than the limit of ${limit} bytes`);
  }
}

export class TooManyRequestsError extends FreezerError {
  constructor(retryAfterS: number) {
    super(429, 'Too Many Requests', `The request rate limit of this caller is exceeded; retry after ${retryAfterS} s`, {
      'Retry-After': String(retryAfterS),
    });
  }
}

export class ServiceUnavailableError extends FreezerError {
  constructor(dependency: string) {
    super(503, 'Service Unavailable', `The ${dependency} is unavailable; try again later`);
  }
}

export const INTERNAL_ERROR_TITLE = '500 Internal Server Error';
export const INTERNAL_ERROR_DESCRIPTION = 'An unexpected error occurred on the server.';
