# Whether the process serves HTTP (a liveness probe; no token needed).
curl -sS -i --fail-with-body "${USERS_API_URL:-http://127.0.0.1:5000}/healthz"
