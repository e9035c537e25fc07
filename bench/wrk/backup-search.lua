-- S3 and S4: a backup search as the freezer CLI sends it, {"match": [{<key>: <value>}]} with
-- key=backup_name (by name) or key=_all (free text), rotating over the values of the data file;
-- limit is the page size (the CLI's default is 100).
check_empty = true

function scenario_init()
  path = prefix .. "/backups?limit=" .. (opt.limit or "100")
end

function request()
  local body = '{"match": [{"' .. opt.key .. '": "' .. next_item() .. '"}]}'
  return wrk.format("GET", path, nil, body)
end
