#!/bin/bash
# The image's health check: exit 0 if GET /health on the server's port answers 200 (the model
# is loaded and the server is not draining). Plain bash (/dev/tcp), so the image needs no HTTP
# client. The port is SLUICE_PORT (the image sets 8000; `--port` on the command line overrides
# the server's port but not this check's, so set SLUICE_PORT instead).
set -euo pipefail
exec 3<>"/dev/tcp/127.0.0.1/${SLUICE_PORT:-8000}"
printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r -t 5 _ status _ <&3
[ "$status" = 200 ]
