-- wrk: POST the body in $BODY (default "test [MASK]") with the content type in $CONTENT_TYPE
-- (default text/plain).
wrk.method = "POST"
wrk.body = os.getenv("BODY") or "test [MASK]"
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "text/plain"
