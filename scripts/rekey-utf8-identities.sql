-- SPDX-License-Identifier: Apache-2.0
-- Re-keys the documents of users whose identity headers carried non-ASCII text (noauth and
-- trusted-headers modes) to the UTF-8 reading of those headers: versions that read the headers as
-- latin1 stored "Zoë" as "ZoÃ«", and now read it as "Zoë" (see the README, "Authentication and
-- ownership"). Run it once, with the service stopped; one transaction: all or nothing.
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f scripts/rekey-utf8-identities.sql
BEGIN;
-- a value as this version reads it from the header: the UTF-8 that its latin1 reading hid, or the
-- value itself where it is no such misreading (ASCII, or not valid UTF-8 once re-encoded)
CREATE FUNCTION pg_temp.utf8_reading(x text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF x IS NULL OR x !~ '[\u0080-\u00ff]' THEN RETURN x; END IF;
  RETURN convert_from(convert_to(x, 'LATIN1'), 'UTF8');
EXCEPTION WHEN OTHERS THEN
  RETURN x;
END $$;
CREATE FUNCTION pg_temp.misread(x text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(x ~ '[\u0080-\u00ff]' AND pg_temp.utf8_reading(x) <> x, false)
$$;
-- a job's run state (its last write-back's) into its document, which the re-keying rewrites
UPDATE jobs SET doc = freezer_job_doc(doc, run)
 WHERE run IS NOT NULL AND (pg_temp.misread(owner_id) OR pg_temp.misread(user_id) OR pg_temp.misread(project_id)
                            OR pg_temp.misread(doc ->> 'user_name'));
-- first the report's copy of each job, so that the jobs' trigger finds it under the new owner
UPDATE job_status SET owner_id = pg_temp.utf8_reading(owner_id) WHERE pg_temp.misread(owner_id);
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['backups', 'clients', 'actions', 'jobs', 'sessions'] LOOP
    EXECUTE format($u$
      UPDATE %I SET owner_id = pg_temp.utf8_reading(owner_id),
                    user_id = pg_temp.utf8_reading(user_id),
                    project_id = pg_temp.utf8_reading(project_id),
                    doc = doc || jsonb_strip_nulls(jsonb_build_object(
                      'user_id', pg_temp.utf8_reading(doc ->> 'user_id'),
                      'user_name', pg_temp.utf8_reading(doc ->> 'user_name'),
                      'project_id', pg_temp.utf8_reading(doc ->> 'project_id'))),
                    version = version + 1, updated_at = clock_timestamp()
       WHERE pg_temp.misread(owner_id) OR pg_temp.misread(user_id) OR pg_temp.misread(project_id)
          OR pg_temp.misread(doc ->> 'user_name')$u$, t);
  END LOOP;
END $$;
-- a client that polled since the upgrade has a row under both readings: the later time is kept
INSERT INTO client_liveness (owner_id, client_id, last_seen)
  SELECT pg_temp.utf8_reading(owner_id), client_id, last_seen FROM client_liveness WHERE pg_temp.misread(owner_id)
  ON CONFLICT (owner_id, client_id) DO UPDATE SET last_seen = greatest(client_liveness.last_seen, EXCLUDED.last_seen);
DELETE FROM client_liveness WHERE pg_temp.misread(owner_id);
UPDATE freezer_import_state SET owner_id = pg_temp.utf8_reading(owner_id) WHERE pg_temp.misread(owner_id);
COMMIT;
