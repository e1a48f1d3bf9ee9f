-- wrk script for studiogate's POST /graphql, driven by environment variables that
-- bench/run.py sets:
--
--   BENCH_TOKEN        bearer token for the Authorization header
--   BENCH_BODY         a JSON body file sent unchanged on every request (nested, flat, lookup)
-- varied:
--   BENCH_BODIES       a file of JSON bodies, one a line, sent in turn
-- route:
--   BENCH_PATH         a path fetched with a bare GET (no body, no token): the HTTP server alone
-- or, for the mixed scenario:
--   BENCH_READS        comma-separated JSON body files, sent in turn
--   BENCH_WRITE        a mutation body file whose placeholder __NAME__ becomes a unique name
--   BENCH_WRITE_EVERY  every Nth request of a thread is the write (10 = 10% writes)
--   BENCH_RUN          a tag that keeps names unique across runs on the same database
-- or, for the write scenario:
--   BENCH_UPDATE       an updateStudio body file with the placeholders __ID__, __UPDATED_AT__
--                      and __DESC__
--   BENCH_STUDIOS      a file of `<studio id> <updatedAt>` lines, one studio per connection;
--                      thread t of BENCH_THREADS takes lines t+1, t+1+threads, ...
--   BENCH_THREADS      wrk's thread count
--   BENCH_RUN          a tag for the new descriptions
-- and always:
--   BENCH_DRAIN_FLAG   a file path; once the file exists, each connection sends nothing more
--                      after its current response, so no request is cut off mid-flight when
--                      run.py then stops wrk with SIGINT
--   BENCH_CONNS_PER_THREAD  connections per wrk thread (to know when all are idle)
--
-- done() prints one line `BENCH_JSON {...}` with the totals and latency percentiles (µs).

local function slurp(path)
  local f = assert(io.open(path, "r"))
  local s = f:read("*a")
  f:close()
  return s
end

wrk.method = "POST"
wrk.path = "/graphql"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("BENCH_TOKEN"), "BENCH_TOKEN unset")

-- setup() runs in the main Lua state once per thread; the counters live in each thread's state.
local threads = {}
function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

-- Draining: delay() runs before each next request of a connection. After the flag appears,
-- each connection goes idle; when all of a thread's connections are idle, the thread writes
-- `<flag>.idle.<thread id>` so that run.py knows nothing is in flight any more.
local drain_flag = assert(os.getenv("BENCH_DRAIN_FLAG"), "BENCH_DRAIN_FLAG unset")
local conns = tonumber((assert(os.getenv("BENCH_CONNS_PER_THREAD"), "connections unset")))
local draining, idle = false, 0
function delay()
  if not draining then
    local f = io.open(drain_flag, "r")
    if not f then
      return 0
    end
    f:close()
    draining = true
  end
  idle = idle + 1
  if idle == conns then
    assert(io.open(drain_flag .. ".idle." .. thread_id, "w")):close()
  end
  return 3600000
end

-- Per-thread counters (globals so that done() can read them with thread:get).
graphql_errors = 0
writes = 0

-- mixed and varied: a 200 with an `errors` member is a failed operation.
function count_graphql_errors(status, headers, body)
  if status == 200 and string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end

if os.getenv("BENCH_WRITE") then
  local reads = {}
  for path in string.gmatch(os.getenv("BENCH_READS"), "[^,]+") do
    table.insert(reads, slurp(path))
  end
  local write = slurp(os.getenv("BENCH_WRITE"))
  local every = tonumber(os.getenv("BENCH_WRITE_EVERY") or "10")
  local tag = os.getenv("BENCH_RUN") or "run"
  local sent, read_turn = 0, 0

  function request()
    sent = sent + 1
    local body
    if sent % every == 0 then
      writes = writes + 1
      local name = string.format("bench %s t%d n%d", tag, thread_id, sent)
      body = (string.gsub(write, "__NAME__", name))
    else
      read_turn = read_turn + 1
      body = reads[read_turn % #reads + 1]
    end
    return wrk.format(nil, nil, nil, body)
  end

  response = count_graphql_errors
elseif os.getenv("BENCH_UPDATE") then
  -- Each studio belongs to one connection at a time: request() takes a studio that has no
  -- request in flight, response() reads the studio's id and new updatedAt from the answer
  -- and gives the studio back with that updatedAt, which the next update of it sends (so
  -- the stale-object check passes). wrk's Lua API does not say which connection a response
  -- came from; with as many studios as connections, the answer's id is enough.
  local template = slurp(os.getenv("BENCH_UPDATE"))
  local threads_n = tonumber(os.getenv("BENCH_THREADS") or "1")
  local tag = os.getenv("BENCH_RUN") or "run"
  local free, first, last = {}, 1, 0 -- a FIFO of {id, updatedAt}
  local mine = {}
  local sent, spare = 0, 0

  -- init() runs in the thread's state after setup() has set thread_id (the top level of
  -- this file runs before).
  function init(args)
    local line_no = 0
    for line in io.lines(os.getenv("BENCH_STUDIOS")) do
      if line_no % threads_n == thread_id then
        local id, updated_at = string.match(line, "^(%S+) (%S+)$")
        last = last + 1
        free[last] = {id, updated_at}
        table.insert(mine, id)
      end
      line_no = line_no + 1
    end
  end

  function request()
    sent = sent + 1
    writes = writes + 1
    local studio
    if first <= last then
      studio = free[first]
      free[first] = nil
      first = first + 1
    else
      -- Only after a failed answer (its studio never came back): an update without the
      -- check, so the run goes on; the failure is already counted.
      spare = spare % #mine + 1
      studio = {mine[spare], nil}
    end
    local desc = string.format("bench %s t%d n%d", tag, thread_id, sent)
    local body = string.gsub(template, "__ID__", studio[1])
    if studio[2] then
      body = string.gsub(body, "__UPDATED_AT__", studio[2])
    else
      body = string.gsub(body, ',?%s*"updatedAt":%s*"__UPDATED_AT__"', "")
    end
    body = string.gsub(body, "__DESC__", desc)
    return wrk.format(nil, nil, nil, body)
  end

  function response(status, headers, body)
    if status ~= 200 then
      return
    end
    local id = string.match(body, '"id":%s*"([^"]+)"')
    local updated_at = string.match(body, '"updatedAt":%s*"([^"]+)"')
    if string.find(body, '"errors"', 1, true) or not id or not updated_at then
      graphql_errors = graphql_errors + 1
      return
    end
    last = last + 1
    free[last] = {id, updated_at}
  end
elseif os.getenv("BENCH_BODIES") then
  -- varied: the bodies of a file, one a line, in turn; each thread starts at its own place.
  local bodies = {}
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    if line ~= "" then table.insert(bodies, line) end
  end
  local turn = 0

  -- init() runs after setup() has set thread_id: threads start far apart in the list.
  function init(args)
    turn = thread_id * 97
  end

  function request()
    turn = turn + 1
    return wrk.format(nil, nil, nil, bodies[turn % #bodies + 1])
  end

  response = count_graphql_errors
elseif os.getenv("BENCH_PATH") then
  wrk.method = "GET"
  wrk.path = os.getenv("BENCH_PATH")
  wrk.headers["Content-Type"] = nil
  wrk.headers["Authorization"] = nil
else
  wrk.body = slurp(assert(os.getenv("BENCH_BODY"), "BENCH_BODY unset"))
end

function done(summary, latency, requests)
  local gql, w = 0, 0
  for _, thread in ipairs(threads) do
    gql = gql + (thread:get("graphql_errors") or 0)
    w = w + (thread:get("writes") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"graphql_errors":%d,"writes_sent":%d,' ..
    '"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    gql, w,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
