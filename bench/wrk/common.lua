-- SPDX-License-Identifier: Apache-2.0
-- Shared by the scenario scripts: run.mjs hands wrk this file followed by one scenario file.
--
-- Arguments after `--` are key=value: data (a file whose lines the scenario rotates over), user
-- and project (the identity headers of AUTH_MODE=noauth), expect (the status of a good answer),
-- threads (wrk's -t), tag (unique per wrk run), plus the scenario's own. Every thread counts good
-- answers, unexpected ones (any other status) and, where the scenario sets check_empty, good
-- answers holding an empty list; done() prints one line `BENCH {json}` for run.mjs.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

opt = {}
items = {}
ok, bad, empty = 0, 0, 0
last_bad = ""
counter = 0

local function read_lines(path)
  local out = {}
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    if line ~= "" then out[#out + 1] = line end
  end
  f:close()
  return out
end

function init(args)
  for _, a in ipairs(args) do
    local k, v = string.match(a, "^([%w_]+)=(.*)$")
    if k then opt[k] = v end
  end
  if opt.data then items = read_lines(opt.data) end
  expected = tonumber(opt.expect or "200")
  thread_count = tonumber(opt.threads or "1")
  prefix = "/v2/" .. (opt.project or "")
  wrk.headers["X-User-Id"] = opt.user
  wrk.headers["X-Project-Id"] = opt.project
  wrk.headers["Accept"] = "application/json"
  wrk.headers["Content-Type"] = "application/json"
  if scenario_init then scenario_init() end
end

-- Request k of this thread takes item (k * threads + thread_index) mod #items: the threads
-- interleave and together go through every item in turn. `step` counts in pairs of requests.
function item_at(step)
  return items[(step * thread_count + thread_index) % #items + 1]
end

function next_item()
  local item = item_at(counter)
  counter = counter + 1
  return item
end

-- "a<TAB>b" -> a, b
function split_tab(line)
  local tab = string.find(line, "\t", 1, true)
  return string.sub(line, 1, tab - 1), string.sub(line, tab + 1)
end

local EMPTY_LIST = '^%s*{%s*"[%w_]+"%s*:%s*%[%s*%]%s*}%s*$'

function response(status, headers, body)
  if status == expected then
    ok = ok + 1
    if check_empty and string.find(body, EMPTY_LIST) then empty = empty + 1 end
  else
    bad = bad + 1
    last_bad = status .. " " .. string.sub(body or "", 1, 300)
  end
end

function done(summary, latency, requests)
  local ok_all, bad_all, empty_all, sample = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    ok_all = ok_all + (thread:get("ok") or 0)
    bad_all = bad_all + (thread:get("bad") or 0)
    empty_all = empty_all + (thread:get("empty") or 0)
    local last = thread:get("last_bad")
    if last and last ~= "" then sample = string.gsub(last, '[%c"\\]', ' ') end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"mean_us":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"ok":%d,"bad":%d,"empty":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"sample":"%s"}\n',
    summary.requests, summary.duration, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, ok_all, bad_all, empty_all,
    e.connect, e.read, e.write, e.status, e.timeout, sample))
end
