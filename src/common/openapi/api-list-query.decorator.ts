// SPDX-License-Identifier: Apache-2.0
import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { SearchBodyDto } from './search-body.dto.js';

// The paging parameters (D9) and the search body (D10) every list route takes.
export function ApiListQuery(): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: 'limit', required: false, type: Integer(), description: '1..10000; 0 or blank means 10 (default 10)' }),
    ApiQuery({ name: 'offset', required: false, type: Integer(), description: 'Items to skip after the marker (default 0)' }),
    ApiQuery({ name: 'marker', required: false, type: String, description: 'Return the items after this id (creation order)' }),
    // Kept as a requestBody although OpenAPI 3.0 leaves a GET body's meaning open: Swagger UI shows
    // it, and freezer clients send it. Browsers cannot, hence the note.
    ApiBody({
      type: SearchBodyDto,
      required: false,
      description:
        'Optional search document, sent as the body of the GET. Browsers cannot send a GET body, ' +
        'so "Try it out" fails unless the body is emptied; use the curl command it shows, or python-freezerclient.',
    }),
  );
}

function Integer(): 'integer' {
  return 'integer';
}
