-- wrk script of bench/soak.sh: a mixed TAXII/REST load from one member token — 5 in 10 a page
-- of objects, 2 a page of the manifest, 2 `whoami`, 1 a POST of one new indicator (a
-- submission: stored, audited, and a job for the hub's worker). Ids are unique per run and
-- slice (SOAK_SEED) and request (the counter); wrk runs this with -t1, one Lua state.
-- SOAK_ONLY_POSTS=1: every request a POST (the write path's ceiling); SOAK_NO_POSTS=1: reads
-- only (the store does not grow).
local token = os.getenv("SOAK_TOKEN")
local collection = os.getenv("SOAK_COLLECTION")
local seed = tonumber(os.getenv("SOAK_SEED") or "0")
local taxii = "application/taxii+json;version=2.1"
local objects = "/taxii2/kyoyu/collections/" .. collection .. "/objects/"
local manifest = "/taxii2/kyoyu/collections/" .. collection .. "/manifest/?limit=100"
local only_posts = os.getenv("SOAK_ONLY_POSTS") == "1"
local no_posts = os.getenv("SOAK_NO_POSTS") == "1"
local counter = 0

request = function()
  counter = counter + 1
  local k = counter % 10
  local headers = { ["Authorization"] = "Bearer " .. token, ["Accept"] = taxii }
  if only_posts then
    k = 9
  elseif no_posts and k == 9 then
    k = 0
  end
  if k < 5 then
    return wrk.format("GET", objects .. "?limit=100", headers)
  elseif k < 7 then
    return wrk.format("GET", manifest, headers)
  elseif k < 9 then
    return wrk.format("GET", "/api/whoami", { ["Authorization"] = "Bearer " .. token })
  end
  headers["Content-Type"] = taxii
  local id = string.format("indicator--%08x-0000-4000-8000-%012x", seed, counter)
  local body = '{"objects":[{"type":"indicator","spec_version":"2.1","id":"' .. id ..
    '","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",' ..
    '"pattern":"[ipv4-addr:value = \'198.51.100.' .. (counter % 250) .. '\']",' ..
    '"pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}]}'
  return wrk.format("POST", objects, headers, body)
end
