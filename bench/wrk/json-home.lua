-- S9: GET /v2, the JSON-home document (behind authentication, no database). The original's GET /
-- (S8) answers 300 with a Content-Length but no body under uwsgi, which no load generator can
-- count, so this is the route the two sides are compared on without a database.
function request()
  return wrk.format("GET", "/v2")
end
