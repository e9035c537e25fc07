// SPDX-License-Identifier: Apache-2.0
import { Injectable, type PipeTransform } from '@nestjs/common';
import { BadDataFormatError } from '../errors/freezer-errors.js';

// An id from the path must be something PostgreSQL can store and index: bounded, no control
// characters, valid text (D14). Express has already refused invalid percent-encoding.
const STORABLE_ID = /^[^\u0000-\u001f\u007f]{1,255}$/u;

@Injectable()
export class DocumentIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!STORABLE_ID.test(value) || !value.isWellFormed()) throw new BadDataFormatError('The document id in the path is not valid');
    return value;
  }
}
