-- wrk: POST the body in $BODY (default "test [MASK]") as text/plain, and count the 2xx answers
-- whose body is not a JSON array or object (a proxy's error page would be one); done() prints
-- them as "Bad bodies: N" beside wrk's own report.
wrk.method = "POST"
wrk.body = os.getenv("BODY") or "test [MASK]"
wrk.headers["Content-Type"] = "text/plain"

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    bad = 0
end

function response(status, headers, body)
    if status >= 200 and status < 300 then
        local first = string.sub(body, 1, 1)
        if first ~= "[" and first ~= "{" then
            bad = bad + 1
        end
    end
end

function done(summary, latency, requests)
    local total = 0
    for _, thread in ipairs(threads) do
        total = total + thread:get("bad")
    end
    io.write(string.format("Bad bodies: %d\n", total))
end
