-- bench/intake.lua - wrk script: POST one intake per request with the
-- session cookie and CSRF token from the environment.
-- With WRK_TARGET_RPS set, requests are paced to that rate by
-- bench/fixed-rate.lua, which also prints the FIXED_RATE line.
if os.getenv("WRK_TARGET_RPS") then
  dofile("bench/fixed-rate.lua")
end
local cookie = os.getenv("HAVEN_COOKIE")
local csrf = os.getenv("HAVEN_CSRF")
-- the encounter happened a minute before the run (an old one would make
-- every clock overdue at once and measure escalations instead of intake)
local met = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 60)
local body = '{"identifying_agency_id":1,"encountered_at":"' .. met .. '",' ..
  '"identified_how":"patrol_contact","staging_address":"Bench Station (synthetic)",' ..
  '"dcfs_involvement":"none","probation_involvement":"none",' ..
  '"youth":{"first_name":"Bench","last_name":"Youth","estimated_age":15}}'
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = cookie
wrk.headers["X-CSRF-Token"] = csrf
-- as the intake page sends it: the page goes on to the case page, so it asks
-- for the id only (BENCH_FULL=1 asks for the whole case back instead)
if os.getenv("BENCH_FULL") ~= "1" then
  wrk.headers["Prefer"] = "return=minimal"
end
