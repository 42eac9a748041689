-- wrk script for the REST route of bench/internal/restapi: the same
-- request as the Go benchmarks and cmd/restload. Use with the URL
-- http://127.0.0.1:PORT/items/42?notify=true (see bench/README.md).
wrk.method = "PUT"
wrk.body = '{"name":"widget","tags":["red","small"],"price":9.5}'
wrk.headers["Content-Type"] = "application/json"

-- Count answers that are not the expected 201, so a failing server
-- cannot look fast.
local bad = 0
response = function(status, headers, body)
  if status ~= 201 then bad = bad + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("non-201 answers: %d\n", bad))
end
