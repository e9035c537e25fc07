-- S5: freezer-agent's metadata upload after a backup, a new backup name per request (tag, thread
-- and counter), rotating over the host names of the data file.
function request()
  local host = next_item()
  local now = os.time()
  local level = counter % 5
  local body = '{"action": "backup", "backup_name": "post-' .. opt.tag .. '-' .. thread_index .. '-' .. counter ..
    '", "hostname": "' .. host .. '", "client_id": "' .. opt.project .. '_' .. host ..
    '", "container": "freezer_backups", "mode": "fs", "storage": "swift", "engine_name": "tar"' ..
    ', "path_to_backup": "/var/lib/app", "fs_real_path": "/var/lib/app", "level": ' .. level ..
    ', "curr_backup_level": ' .. level .. ', "max_level": 5, "always_level": "", "time_stamp": ' .. now ..
    ', "client_os": "linux", "client_version": "13.0.0", "compression": "gzip", "consistency_checksum": "' ..
    string.format("%08x%08x%016x", now, thread_index, counter) .. '", "dry_run": false}'
  return wrk.format("POST", prefix .. "/backups", nil, body)
end
