-- wrk script: GET the law search with questions of the development set in turn.
local questions = {}
local path = os.getenv("QUESTIONS") or "../shared/qa-dev/stard-dev.jsonl"
for line in io.lines(path) do
  local q = line:match('"question": "([^"]*)"')
  if q then table.insert(questions, q) end
end
local i = 0
local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
request = function()
  i = i % #questions + 1
  return wrk.format("GET", "/api/v1/laws/search?limit=10&q=" .. encode(questions[i]))
end
