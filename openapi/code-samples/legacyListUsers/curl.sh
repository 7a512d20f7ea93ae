# The tutorial's list, here only the user with that email (deprecated: use GET /users).
curl -sS -i --fail-with-body -G \
  -H "Authorization: Bearer $USERS_API_TOKEN" \
  --data-urlencode "email=$USER_EMAIL" \
  "${USERS_API_URL:-http://127.0.0.1:5000}/user"
