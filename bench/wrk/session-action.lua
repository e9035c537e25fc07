-- S7: session start/end cycles, as freezer-scheduler sends them at a member job's run start and
-- end: {"start": {"job_id", "current_tag": 0}} then {"end": {"job_id", "result": "success"}} on
-- each (session, member job) pair of the data file ("<session_id><TAB><job_id>") in turn. With
-- hold_off 3600 the first start of a session begins a run (tag 0 -> 1), every later start joins
-- it and every end completes its member: each request is one locked write answering 202.
function request()
  local k = counter
  counter = counter + 1
  local session, job = split_tab(item_at(math.floor(k / 2)))
  local body
  if k % 2 == 0 then
    body = '{"start": {"job_id": "' .. job .. '", "current_tag": 0}}'
  else
    body = '{"end": {"job_id": "' .. job .. '", "current_tag": 1, "result": "success"}}'
  end
  return wrk.format("POST", prefix .. "/sessions/" .. session .. "/action", nil, body)
end
