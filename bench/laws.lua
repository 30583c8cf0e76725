-- wrk script: GET the law search with questions of the development set in turn.
-- The request paths are built once, so the load generator spends its time sending.
local paths = {}
local path = os.getenv("QUESTIONS") or "../shared/qa-dev/stard-dev.jsonl"
-- SEARCH_EXTRA adds parameters, e.g. "&semantic=true".
local extra = os.getenv("SEARCH_EXTRA") or ""
local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
for line in io.lines(path) do
  local q = line:match('"question": "([^"]*)"')
  if q then table.insert(paths, "/api/v1/laws/search?limit=10" .. extra .. "&q=" .. encode(q)) end
end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
