-- S1 (and the baseline B0): GET one job, rotating over the job ids of the data file.
function request()
  return wrk.format("GET", prefix .. "/jobs/" .. next_item())
end
