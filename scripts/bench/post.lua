-- wrk: POST the body in $BODY (default "test [MASK]") as plain text.
wrk.method = "POST"
wrk.body = os.getenv("BODY") or "test [MASK]"
wrk.headers["Content-Type"] = "text/plain"
