# The metrics in the Prometheus text format (the token needs the metrics:read scope).
curl -sS -i --fail-with-body \
  -H "Authorization: Bearer $USERS_API_TOKEN" \
  "${USERS_API_URL:-http://127.0.0.1:5000}/metrics"
