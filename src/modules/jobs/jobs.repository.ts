// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Owner } from '../../common/auth/request-context.js';
import type { JsonText } from '../../common/json/json-text.js';
import { DocumentObjectReads, DocumentTextReads } from '../../common/ownership/document-reads.js';
import { DocumentUpdatesAt } from '../../common/ownership/document-updates.js';
import { insertDocument, updateDocument, upsertDocument } from '../../common/ownership/document-writes.js';
import {
  deleteDocument,
  getDocument,
  EVERY_PROJECT,
  getDocumentTextAnywhere,
  type ListRequest,
  listDocuments,
  type Queryable,
  type StoredDocument,
  type StoredText,
} from '../../common/ownership/owned-documents.js';
import type { JobDocument } from './job-document.js';
import { JOB_PROMOTED_COLUMNS, jobPromotedColumns } from './job-promoted-columns.js';
import { runStateWrite } from './job-run-state.js';
import { JobRunUpdatesAt } from './job-run-writes.js';
import { JOB_SEARCH } from './job-search.js';

// Writes go to the table; reads to the view that answers each job's document with its run state
// (the JobRunState migration).
const TABLE = 'jobs';
const READ_TABLE = 'job_documents';

// Every method takes the connection to use: the data source, or a transaction's manager.
@Injectable()
export class JobsRepository {
  // reads and optimistic writes outside a transaction that arrive together share a statement
  // (see document-reads.ts and document-updates.ts)
  private readonly texts: DocumentTextReads;
  private readonly objects: DocumentObjectReads<JobDocument>;
  private readonly updatesAt: DocumentUpdatesAt;
  private readonly runUpdatesAt: JobRunUpdatesAt;

  constructor(@InjectDataSource() readonly db: DataSource) {
    this.texts = new DocumentTextReads(db, READ_TABLE);
    this.objects = new DocumentObjectReads<JobDocument>(db, READ_TABLE);
    // a whole document ends any run state written before it (the jobs_run_reset trigger)
    this.updatesAt = new DocumentUpdatesAt(db, TABLE, { columns: JOB_PROMOTED_COLUMNS, compute: jobPromotedColumns });
    this.runUpdatesAt = new JobRunUpdatesAt(db);
  }

  insert(owner: Owner, doc: JobDocument, db: Queryable = this.db): Promise<boolean> {
    return insertDocument(db, TABLE, owner, doc.job_id, doc);
  }

  get(owner: Owner, id: string, db: Queryable = this.db, lock = false): Promise<StoredDocument<JobDocument> | null> {
    if (db === this.db && !lock) return this.objects.read(owner, id);
    return getDocument<JobDocument>(db, READ_TABLE, owner, id, lock);
  }

  // the document as JSON text, for an answer
  getText(owner: Owner, id: string): Promise<StoredText | null> {
    return this.texts.read(owner, id);
  }

  // the document with this id in any project (the owner's first), as JSON text
  getTextAnywhere(owner: Owner, id: string): Promise<StoredText | null> {
    return getDocumentTextAnywhere(this.db, READ_TABLE, owner, id);
  }

  // the documents as JSON text
  list(owner: Owner, request: ListRequest): Promise<JsonText[]> {
    return listDocuments(this.db, READ_TABLE, JOB_SEARCH, owner, request);
  }

  // every project's documents, as JSON text
  listEveryProject(request: ListRequest): Promise<JsonText[]> {
    return listDocuments(this.db, READ_TABLE, JOB_SEARCH, EVERY_PROJECT, request);
  }

  // `current` becomes `doc`, without a lock: null when another write came first (see
  // updateDocumentAt). A change of the run state alone writes that alone.
  updateAt(owner: Owner, doc: JobDocument, current: StoredDocument<JobDocument>): Promise<number | null> {
    const run = runStateWrite(current.doc, doc);
    if (run === null) return this.updatesAt.write(owner, doc.job_id, doc, current.version);
    const [, status, event] = jobPromotedColumns(doc);
    return this.runUpdatesAt.write(owner, doc.job_id, current.version, run, status!, event!);
  }

  update(owner: Owner, doc: JobDocument, db: Queryable): Promise<number> {
    return updateDocument(db, TABLE, owner, doc.job_id, doc);
  }

  upsert(owner: Owner, doc: JobDocument, db: Queryable): Promise<number | null> {
    return upsertDocument(db, TABLE, owner, doc.job_id, doc);
  }

  remove(owner: Owner, id: string, db: Queryable): Promise<boolean> {
    return deleteDocument(db, TABLE, owner, id);
  }
}
