-- S6: freezer-scheduler's write-backs of a run, PATCH {"job_schedule": {...whole schedule...}}.
-- The threads go through the jobs of the data file in passes: on even passes a run begins on
-- each (status running, result "", time_started now, time_ended -1), on odd passes it ends
-- (status scheduled, result success, time_ended now). So the two write-backs of one run are a
-- whole pass apart, never in flight together, as from a real scheduler. A data line is
-- "<job_id><TAB><the job's schedule as JSON without the keys a run changes>".
function request()
  local step = counter * thread_count + thread_index
  counter = counter + 1
  local id, base = split_tab(items[step % #items + 1])
  local now = os.time()
  local pid = 20000 + step % #items
  local run
  if math.floor(step / #items) % 2 == 0 then
    run = '"event": "", "status": "running", "result": "", "time_started": ' .. now .. ', "time_ended": -1, "current_pid": ' .. pid
  else
    run = '"event": "", "status": "scheduled", "result": "success", "time_started": ' .. (now - 1) .. ', "time_ended": ' .. now .. ', "current_pid": ' .. pid
  end
  local schedule
  if base == "{}" then schedule = "{" .. run .. "}" else schedule = string.sub(base, 1, -2) .. ", " .. run .. "}" end
  return wrk.format("PATCH", prefix .. "/jobs/" .. id, nil, '{"job_schedule": ' .. schedule .. '}')
end
