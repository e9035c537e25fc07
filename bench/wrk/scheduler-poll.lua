-- S2: freezer-scheduler's poll (a GET with a search body), rotating over the client ids of the
-- data file.
check_empty = true

function request()
  local body = '{"match_not": [{"status": "completed"}], "match": [{"client_id": "' .. next_item() .. '"}]}'
  return wrk.format("GET", prefix .. "/jobs/?limit=10&offset=0", nil, body)
end
