-- wrk script of the check-in benchmark (bench/meetings_checkin.py): every member posts once.
--
-- Environment (set by the benchmark):
--   WRK_TOKENS  file with one API token per line (each member's own login)
--   WRK_CODE    file holding the code the meeting's screen shows now (rewritten every second)
--   WRK_THREADS the number of wrk threads; thread k takes every k-th token
--   WRK_DONE    a file each thread appends a line to once all its members have had an answer
-- Each thread stops once every one of its members has had an answer, so a run is exactly one
-- check-in per member. wrk itself runs for its whole -d duration even when every thread stopped
-- early, so the benchmark watches WRK_DONE, times the round itself and interrupts wrk (SIGINT). done() prints one JSON line: requests, seconds, status errors, socket errors
-- and the latency percentiles (0.1 % steps) that the benchmark merges over its rounds.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local step = tonumber(os.getenv("WRK_THREADS"))
  tokens = {}
  local i = 0
  for line in io.lines(os.getenv("WRK_TOKENS")) do
    if i % step == index then
      tokens[#tokens + 1] = line
    end
    i = i + 1
  end
  sent = 0
  verified = false
  answered = 0
  code_read_at = -1
  body = nil
  code_file = os.getenv("WRK_CODE")
  path = os.getenv("WRK_PATH")
end

local function current_body()
  local now = os.time()
  if now ~= code_read_at then
    local handle = io.open(code_file)
    local code = handle:read("*l")
    handle:close()
    body = '{"code":"' .. code .. '"}'
    code_read_at = now
  end
  return body
end

local function format(token)
  return wrk.format("POST", path, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, current_body())
end

function request()
  if index == 0 and not verified then
    -- wrk calls request() once in the first thread's state to check the request parses: that
    -- call is never sent, so it must not use up a member.
    verified = true
    return format(tokens[1])
  end
  sent = sent + 1
  local token = tokens[sent]
  if token == nil then
    -- Every member of this thread has been sent: this connection stays idle until the thread stops.
    return ""
  end
  return format(token)
end

function response(status, headers, body)
  answered = answered + 1
  if answered == #tokens then
    local handle = io.open(os.getenv("WRK_DONE"), "a")
    handle:write(index, "\n")
    handle:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local points = {}
  for i = 1, 1000 do
    points[i] = latency:percentile(i / 10)
  end
  local errors = summary.errors
  local answers = 0
  for _, thread in ipairs(threads) do
    answers = answers + thread:get("answered")
  end
  io.write(string.format(
    '{"requests": %d, "answered": %d, "microseconds": %d, "status_errors": %d, "socket_errors": %d, '
      .. '"percentiles": [%s]}\n',
    summary.requests,
    answers,
    summary.duration,
    errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    table.concat(points, ",")
  ))
end
