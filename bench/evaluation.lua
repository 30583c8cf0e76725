-- wrk script: rates with the next open invitation's token (TOKENS_FILE, one a line);
-- each thread takes every n-th token, so no token is used twice. One in ten is a bad
-- review (it opens a rectification task in the same transaction).
local tokens = {}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines("TOKENS_FILE") do
    table.insert(tokens, line)
  end
  step = 0
end

function request()
  local i = (step * 2) + id
  step = step + 1
  local token = tokens[i]
  if token == nil then
    return wrk.format("GET", "/healthz")
  end
  local body
  if i % 10 == 0 then
    body = '{"token":"' .. token .. '","level":2,"reasons":["slow"],"comment":"压测差评"}'
  else
    body = '{"token":"' .. token .. '","level":5}'
  end
  return wrk.format("POST", "/api/v1/evaluations", { ["Content-Type"] = "application/json" }, body)
end
