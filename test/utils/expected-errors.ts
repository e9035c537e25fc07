// SPDX-License-Identifier: Apache-2.0
import { expect } from '@jest/globals';

// The {title, description} bodies of D19, as matchers.
export const expectedErrors = {
  badRequest: (description?: string) => ({ title: 'Bad request format', description: description ?? expect.any(String) }),
  malformedJson: () => ({ title: 'Malformed JSON', description: expect.any(String) }),
  invalidParameter: (name: string) => ({ title: 'Invalid parameter', description: expect.stringContaining(`"${name}"`) }),
  unauthorized: () => ({ title: 'Unauthorized', description: expect.any(String) }),
  forbidden: () => ({ title: 'Access Forbidden', description: 'You are not allowed to access this resource' }),
  notFound: (description?: string) => ({ title: 'Not Found', description: description ?? expect.any(String) }),
  routeNotFound: () => ({ title: '404 Not Found', description: expect.any(String) }),
  methodNotAllowed: () => ({ title: '405 Method Not Allowed', description: expect.any(String) }),
  notAcceptable: () => ({ title: 'Not Acceptable', description: 'Freezer-api only supports responses encoded as JSON.' }),
  conflict: (description?: string) => ({ title: 'Document already existing', description: description ?? expect.any(String) }),
  preconditionFailed: () => ({ title: 'Precondition Failed', description: expect.any(String) }),
  payloadTooLarge: () => ({ title: 'Payload Too Large', description: expect.any(String) }),
};
