// SPDX-License-Identifier: Apache-2.0
import { ApiQuery } from '@nestjs/swagger';

// ?all_projects= of the list and get (freezer 2026, the newest CLI and scheduler always send it)
export const ApiAllProjectsQuery = (): MethodDecorator =>
  ApiQuery({
    name: 'all_projects',
    required: false,
    type: String,
    description:
      'true (also True, 1) reads every project\'s jobs for a caller allowed jobs:get_all_projects and is ignored for anyone else; ' +
      'false (also False, 0) is the default; any other value is 400',
  });
