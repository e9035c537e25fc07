// SPDX-License-Identifier: Apache-2.0
import type { DataSource } from 'typeorm';
import type { Owner } from '../common/auth/request-context.js';
import { jsonEqual } from '../common/json/json-equal.js';
import { isJsonObject, type JsonValue } from '../common/json/json.types.js';
import { getDocumentText } from '../common/ownership/owned-documents.js';
import type { FreezerScope } from '../config/env.validation.js';
import { isDeleted, RefusedRow } from './documents/source-document.js';
import type { ImportKind, LiveIds } from './import-kinds.js';
import { prepareRow } from './importer.js';
import type { Progress } from './progress.js';
import type { SourceDatabase } from './source/source-database.js';

export interface VerifyTally {
  checked: number;
  matching: number;
  missing: number;
  different: number;
  // refused by the import (see the refused rows), so not expected here
  refused: number;
}

export interface Mismatch {
  kind: string;
  id: string;
  userId: string;
  problem: string;
}

const IN_FLIGHT = 8;
const MISMATCHES_KEPT = 50;

// The owner a GET of this document runs as: v2 under its project, v1 when it has none.
function readerOf(scope: FreezerScope, ownerId: string, userId: string, projectId: string | null): Owner {
  if (projectId === null) return { api: 'v1', ownerId, projectFilter: null, projectId: null, userId, userName: null };
  return { api: 'v2', ownerId: scope === 'project' ? projectId : ownerId, projectFilter: projectId, projectId, userId, userName: null };
}

// The first path where two JSON values differ, for the report.
export function firstDifference(expected: JsonValue, actual: JsonValue, path = ''): string {
  if (isJsonObject(expected) && isJsonObject(actual)) {
    for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      if (!(key in actual)) return `${path}.${key} missing`;
      if (!(key in expected)) return `${path}.${key} not in the source`;
      if (!jsonEqual(expected[key]!, actual[key]!)) return firstDifference(expected[key]!, actual[key]!, `${path}.${key}`);
    }
  }
  return `${path || 'document'}: expected ${JSON.stringify(expected).slice(0, 120)}, found ${JSON.stringify(actual).slice(0, 120)}`;
}

// Reads every document the source should have given back through the service's own read path
// (the query a GET runs) and compares it with what the source row makes.
export async function verifyAll(
  db: DataSource,
  source: SourceDatabase,
  kinds: readonly ImportKind[],
  live: LiveIds,
  scope: FreezerScope,
  progress: Progress,
): Promise<{ tallies: Map<string, VerifyTally>; mismatches: Mismatch[] }> {
  const tallies = new Map<string, VerifyTally>();
  const mismatches: Mismatch[] = [];
  for (const kind of kinds) {
    const tally: VerifyTally = { checked: 0, matching: 0, missing: 0, different: 0, refused: 0 };
    tallies.set(kind.name, tally);
    progress.begin(`verify ${kind.name}`, await source.count(kind.name));
    const pending = new Set<Promise<void>>();
    for await (const row of source.rows(kind.name, kind.columns, kind.orderBy)) {
      progress.advance(1);
      if (isDeleted(row)) continue;
      let prepared;
      try {
        prepared = prepareRow(kind, row, live, scope);
      } catch (error) {
        if (!(error instanceof RefusedRow)) throw error;
        tally.refused++;
        continue;
      }
      const { source: doc, ownerId } = prepared;
      const check = (async () => {
        tally.checked++;
        const stored = await getDocumentText(db, kind.table, readerOf(scope, ownerId, doc.userId, doc.projectId), doc.id);
        let problem: string | null = null;
        if (stored === null) {
          tally.missing++;
          problem = 'missing';
        } else {
          const actual = JSON.parse(stored.text) as JsonValue;
          if (jsonEqual(doc.doc, actual)) tally.matching++;
          else {
            tally.different++;
            problem = firstDifference(doc.doc, actual);
          }
        }
        if (problem !== null && mismatches.length < MISMATCHES_KEPT) mismatches.push({ kind: kind.name, id: doc.id, userId: doc.userId, problem });
      })();
      pending.add(check);
      void check.finally(() => pending.delete(check));
      if (pending.size >= IN_FLIGHT) await Promise.race(pending);
    }
    await Promise.all(pending);
    progress.end();
  }
  return { tallies, mismatches };
}
